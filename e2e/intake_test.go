//go:build e2e

package e2e

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
)

// Issue 12 (reliability): against Dovecot, a mail over
// limits.max_message_bytes is fetched as its header only and quarantined
// with it, and fetch batches are bounded by imap.batch_bytes, a mail larger
// than the bound (within the limit) going alone.
func TestE2E_OversizeMailIsQuarantinedAndBatchesAreBoundedByBytes(t *testing.T) {
	d, _ := outboxDeployment(t, outboxConfig{mailbox: "oversize", imapExtra: "batch_bytes = 1048576\n"})
	f, err := os.OpenFile(d.config, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString("\n[limits]\nmax_message_bytes = 2097152\n")
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	mails := [][]byte{
		customerMail("oversize", 1, "Printer", 0),
		customerMail("oversize", 2, "Crash dump", 2_300_000), // ~3.1 MB: over the limit
		customerMail("oversize", 3, "Logs 3", 290_000),       // ~400 kB each
		customerMail("oversize", 4, "Logs 4", 290_000),
		customerMail("oversize", 5, "Logs 5", 290_000),
		customerMail("oversize", 6, "Disk image", 1_100_000), // ~1.5 MB: above batch_bytes, within the limit
		customerMail("oversize", 7, "Printer again", 0),
	}
	appendTo(t, d.user, "oversize", mails)

	r := d.madoguchi("run", "--once")
	if r.err != nil {
		t.Fatalf("run --once: %s", r)
	}
	var batches [][]uint32
	for _, m := range regexp.MustCompile(`msg="stored batch".* count=(\d+) bytes=(\d+) uids=(\S+)`).FindAllStringSubmatch(r.stderr, -1) {
		batches = append(batches, uidList(t, m[3]))
	}
	// The oversize 2 counts as the most that is fetched of it (1 MiB, a
	// header's bound), so it fills a batch of 1 MiB alone; 3 and 4 fit
	// together, 5 would not; 6 is larger than the bound and goes alone.
	if want := [][]uint32{{1}, {2}, {3, 4}, {5}, {6}, {7}}; !slices.EqualFunc(batches, want, slices.Equal) {
		t.Errorf("stored batches %v; want %v\n%s", batches, want, tail(r.stderr, 30))
	}

	recs := list[inboundRecord](t, d, "inbound")
	if len(recs) != len(mails) {
		t.Fatalf("%d inbound records for %d mails", len(recs), len(mails))
	}
	for _, rec := range recs {
		want := "new_ticket"
		if rec.UID == 2 {
			want = "quarantined"
		}
		if rec.Disposition != want {
			t.Errorf("uid %d: %s (%s); want %s", rec.UID, rec.Disposition, rec.Reason, want)
		}
	}
	over := recs[1]
	wantReason := fmt.Sprintf("too large: mime: message of %d bytes exceeds the limit of 2097152 bytes (limits.max_message_bytes)", len(mails[1]))
	if over.UID != 2 || over.Reason != wantReason || over.MessageID != "oversize.2@example.org" {
		t.Errorf("oversize record %+v; want uid 2, Message-ID oversize.2@example.org, reason %q", over, wantReason)
	}
	show := d.madoguchi("inbound", "show", "2", "--raw")
	if head, _, _ := bytes.Cut(mails[1], []byte("\r\n\r\n")); show.err != nil || show.stdout != string(head)+"\r\n\r\n" {
		t.Errorf("inbound show 2 --raw: %v\n%q\nwant the header alone:\n%q", show.err, tail(show.stdout, 5), head)
	}
	flags := mailboxFlags(t, d.user, "oversize")
	for uid := uint32(1); uid <= uint32(len(mails)); uid++ {
		if !slices.Contains(flags[uid], imap.FlagSeen) {
			t.Errorf("uid %d not \\Seen (%v): the quarantined one too is filed, and kept", uid, flags[uid])
		}
	}
}

// uidList reads a UID set as the poller logs it ("1:4,7").
func uidList(t *testing.T, set string) []uint32 {
	t.Helper()
	var out []uint32
	for _, part := range strings.Split(set, ",") {
		lo, hi, ok := strings.Cut(part, ":")
		a, err1 := strconv.ParseUint(lo, 10, 32)
		b, err2 := a, error(nil)
		if ok {
			b, err2 = strconv.ParseUint(hi, 10, 32)
		}
		if err1 != nil || err2 != nil {
			t.Fatalf("UID set %q does not parse", set)
		}
		for u := a; u <= b; u++ {
			out = append(out, uint32(u))
		}
	}
	return out
}
