package desk

import (
	"strings"
	"testing"
)

// ourText finds where a reply starts repeating a mail we sent, however
// the client wrapped, flattened or framed it, and leaves the sender's own
// words alone.
func TestOurText_CutsAtOurMailAndItsHeaderBlockOnly(t *testing.T) {
	sent := "Hello L1 team,\n\nTicket INC-1001 has been escalated to you; please answer it.\nRespond due: 2026-12-01 13:00 UTC\nResolve due: 2026-12-02 09:00 UTC\n\n" +
		"Reply to support+aeagcmqbfbvp3cfjbbhmc@example.com from your agent address.\n\n--\nSupport desk (madoguchi)\nsupport@example.com"
	theirs := []string{"The printer on 3F prints only blank pages since this morning."}
	o := newOurText([]string{sent}, theirs, []string{"support@example.com", "l1@example.com", "[inc-1001]"}, "support@example.com")
	tests := []struct{ name, reply, want string }{
		{"unmarked below a blank line", "Restart it.\n\n" + sent, "Restart it."},
		{"re-wrapped at 30 columns", "Restart it.\n\nHello L1 team,\n\nTicket INC-1001 has been\nescalated to you; please\nanswer it.", "Restart it."},
		{"flattened from HTML", "Restart it.\nHello L1 team, Ticket INC-1001 has been escalated to you; please answer it. Respond due: 2026-12-01 13:00 UTC", "Restart it."},
		{"a header block in an unknown language goes with it", "Restart it.\n\nMvh\nAlice\n\nFrån: Support <support@example.com>\nSkickat: 1 december 2026\nTill: l1@example.com\nÄmne: [INC-1001] x\n\n" + sent,
			"Restart it.\n\nMvh\nAlice"},
		{"a Notes block of several paragraphs goes with it", "Restart it.\n\n\nSupport <support@example.com>\n2026/12/01 09:01\n\nTo\nl1@example.com\ncc\n\nSubject\n[INC-1001] x\n\n" + sent,
			"Restart it."},
		{"a sentence naming our address stays", "Restart it.\nFor anything else, write to support@example.com.\n\n" + sent,
			"Restart it.\nFor anything else, write to support@example.com."},
		{"a header-like paragraph naming nothing of ours stays", "Restart it.\n\nAlice Agent\nIT Desk\n\n" + sent, "Restart it.\n\nAlice Agent\nIT Desk"},
		{"our greeting alone is not ours", "Hello L1 team,\nI am away tomorrow; Bob takes over.", "Hello L1 team,\nI am away tomorrow; Bob takes over."},
		{"the customer's words are theirs", "You wrote:\nThe printer on 3F prints only blank pages since this morning.\nIt is the fuser.",
			"You wrote:\nThe printer on 3F prints only blank pages since this morning.\nIt is the fuser."},
		{"lines quoted with > are passed over", "> Ticket INC-1001 has been escalated to you; please answer it.\nDone: restarted.", "> Ticket INC-1001 has been escalated to you; please answer it.\nDone: restarted."},
		{"full-width and ideographic spaces are white space", "Restart it.\n\u3000Ｈｅｌｌｏ L1 team,\nTicket INC-1001 has been escalated to you; please answer it.", "Restart it."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := strings.Split(tt.reply, "\n")
			got := strings.TrimSpace(strings.Join(lines[:o.cutWithHeader(lines)], "\n"))
			if got != tt.want {
				t.Errorf("kept %q, want %q", got, tt.want)
			}
		})
	}
}
