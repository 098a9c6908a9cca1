package outbox

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"
)

// claimReleaser is optionally implemented by a Queue (tickets.Store does):
// a sender that finds claims of a dead sender on this machine ends them at
// once instead of letting their rows wait for the claims to expire, so a
// gateway restarted after a crash sends at once what the dead one held.
type claimReleaser interface {
	ClaimHolders(ctx context.Context, now time.Time) ([]string, error)
	ReleaseClaims(ctx context.Context, owner string) (int, error)
}

// holderChecker is optionally implemented by a Queue too (tickets.Store
// on PostgreSQL): whether a claim's holder is a gateway known to be gone,
// on whichever machine it ran; known is false for an owner it cannot
// tell of.
type holderChecker interface {
	ClaimHolderDead(ctx context.Context, owner string) (dead, known bool, err error)
}

// An owner is "host:pid:pidns:random": the host and the PID namespace say
// whether pid can be checked from here; random tells apart two senders
// of one process.
func defaultOwner() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s:%d:%s:%08x", host, os.Getpid(), pidNamespace(), rand.Uint32())
}

// pidNamespace identifies this process's PID namespace ("" where unknown):
// a pid means the same process only inside one namespace (containers).
func pidNamespace() string {
	link, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		return ""
	}
	// "pid:[4026531836]"
	return strings.TrimSuffix(strings.TrimPrefix(link, "pid:["), "]")
}

// deadHolder reports whether owner is a sender of another process on this
// machine, in this PID namespace, that is no longer running. Anything it
// cannot tell (another machine, an owner named by hand, this process) is
// alive: its claim runs until it expires.
func deadHolder(owner string) bool {
	parts := strings.Split(owner, ":")
	if len(parts) != 4 || parts[2] == "" {
		return false
	}
	host, _ := os.Hostname()
	if parts[0] != host || parts[2] != pidNamespace() {
		return false
	}
	pid, err := strconv.Atoi(parts[1])
	if err != nil || pid <= 0 || pid == os.Getpid() {
		return false
	}
	return !processAlive(pid)
}
