//go:build e2e

package e2e

import (
	"testing"

	"github.com/madoguchi/madoguchi/internal/agentstest"
)

// Issue 12, items 4 to 7, as the built binary runs them on Dovecot: the
// proofs of an agent fail closed (From, lookalikes, DMARC, old tiers) and
// legitimate mail (plus addresses, agents' own problems, a rotated
// secret) is not read as forged.

const userAgentsProofs = "agentsproofs"

func init() {
	dovecotUsers = append(dovecotUsers, userAgentsProofs)
}

func TestE2E_AgentsProofsFailClosed(t *testing.T) {
	agentstest.ProofsFailClosed(t, onDovecot(userAgentsProofs))
}
