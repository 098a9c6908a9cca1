package agentstest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The proofs of an agent fail closed (issue 12, items 4 to 7), and
// legitimate mail is not read as forged:
//
//   - a From that is not exactly one mailbox (two addresses, two angle
//     addresses, an address as the display name, two From fields) and a
//     non-ASCII lookalike of an agent's address (the Kelvin sign) act on
//     nothing, whatever token the mail carries;
//   - the trusted MX must say dmarc=pass for the From's domain: fail (also
//     written "dmarc=fail(p=reject)", "dmarc = fail" or after a leading
//     comment), none, temperror, permerror, no result, a sender's own pass
//     below the MX's fail, and mail that never passed the MX are refused;
//   - after the ticket moved to L2, an L1 agent's L1 token does nothing
//     and she is told where the ticket went; L2 acts and hears of it;
//   - a customer writing to support+billing@, and an agent mailing her own
//     problem without a token, are customers: new tickets, acknowledged;
//   - after desk.secret is rotated (secret_file rewritten, the old secret
//     in previous_secrets_file), the customer's replies and the agents'
//     old notices still work within previous_secrets_until, and an old
//     agent token is refused after it.
func ProofsFailClosed(t *testing.T, start Start) {
	dir := t.TempDir()
	secretFile, previousFile := filepath.Join(dir, "desk.key"), filepath.Join(dir, "previous.keys")
	writeSecret(t, secretFile, Secret)
	writeSecret(t, previousFile, "a-previous-secret-never-used-0123")
	graceEnds := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
	cfg := DeskConfig("8h", "")
	for old, repl := range map[string]string{
		fmt.Sprintf("secret = %q\n", Secret): fmt.Sprintf("secret_file = %q\nprevious_secrets_file = %q\nprevious_secrets_until = %q\n",
			secretFile, previousFile, graceEnds.Format(time.RFC3339)),
		`agents = ["alice@example.com", "bob@example.com"]`: `agents = ["alice@example.com", "bob@example.com", "ken@example.com"]`,
	} {
		if !strings.Contains(cfg, old) {
			t.Fatalf("DeskConfig has no %q to replace:\n%s", old, cfg)
		}
		cfg = strings.Replace(cfg, old, repl, 1)
	}
	d := &installation{t: t, g: start(t, cfg)}
	ref, notice := d.escalated("")

	// Forms of From and DMARC verdicts that prove nobody, each with the
	// valid L1 token of the notice.
	mx := func(verdict string) string { return "Authentication-Results: mx.example.com; " + verdict + "\n" }
	pass := mx("dmarc=pass header.from=example.com")
	refused := []struct {
		name, mail, why string
		pastTheMX       bool
	}{
		{"two addresses", pass + replyMail(t, "alice@example.com, mallory@evil.example", notice, "p1@agents.example", "#resolve\nDone."),
			"holds 2 addresses", false},
		{"two angle addresses", pass + replyMail(t, "<mallory@evil.example> <alice@example.com>", notice, "p2@agents.example", "#resolve\nDone."),
			"text after its address", false},
		{"an address as the display name", pass + replyMail(t, "mallory@evil.example <alice@example.com>", notice, "p3@agents.example", "#resolve\nDone."),
			"address in its display name", false},
		{"two From fields", pass + replyMail(t, "alice@example.com\nFrom: mallory@evil.example", notice, "p4@agents.example", "#resolve\nDone."),
			"2 From header fields", false},
		{"a Kelvin sign for the k of ken", pass + replyMail(t, "\u212Aen@example.com", notice, "p5@agents.example", "#resolve\nDone."),
			"imitates the agent address ken@example.com", false},
		{"dmarc=fail(p=reject)", mx("dmarc=fail(p=reject) header.from=example.com") + replyMail(t, "alice@example.com", notice, "p6@agents.example", "#resolve\nDone."),
			"says dmarc=fail", false},
		{"dmarc = fail", mx("dmarc = fail header.from = example.com") + replyMail(t, "alice@example.com", notice, "p7@agents.example", "#resolve\nDone."),
			"says dmarc=fail", false},
		{"fail after a leading comment", "Authentication-Results: (our MX) mx.example.com; dmarc=fail header.from=example.com\n" +
			replyMail(t, "alice@example.com", notice, "p8@agents.example", "#resolve\nDone."),
			"says dmarc=fail", false},
		{"dmarc=none", mx("dmarc=none header.from=example.com") + replyMail(t, "alice@example.com", notice, "p9@agents.example", "#resolve\nDone."),
			"says dmarc=none", false},
		{"dmarc=temperror", mx("dmarc=temperror header.from=example.com") + replyMail(t, "alice@example.com", notice, "p10@agents.example", "#resolve\nDone."),
			"says dmarc=temperror", false},
		{"dmarc=permerror", mx("dmarc=permerror header.from=example.com") + replyMail(t, "alice@example.com", notice, "p11@agents.example", "#resolve\nDone."),
			"says dmarc=permerror", false},
		{"no dmarc result", mx("spf=pass smtp.mailfrom=example.com") + replyMail(t, "alice@example.com", notice, "p12@agents.example", "#resolve\nDone."),
			"holds no dmarc result", false},
		{"the sender's own pass below the MX's fail", mx("dmarc=fail header.from=example.com") +
			replyMail(t, "alice@example.com", notice, "p13@agents.example", "#resolve\nDone.", "Authentication-Results: mx.example.com; dmarc=pass header.from=example.com"),
			"says dmarc=fail", false},
		{"mail that never passed the MX", replyMail(t, "alice@example.com", notice, "p14@agents.example", "#resolve\nDone.",
			"Authentication-Results: relay.evil.example; dmarc=pass header.from=example.com"),
			"no Authentication-Results of mx.example.com", true},
	}
	for i, r := range refused {
		if r.pastTheMX {
			d.deliverPastTheMX(r.mail)
		} else {
			d.deliver(r.mail)
		}
		d.run("")
		d.noMail(r.name)
		in := d.inbound(fmt.Sprintf("p%d@agents.example", i+1))
		if in.Ticket != ref || !strings.Contains(in.Reason, "forged agent reply refused") || !strings.Contains(in.Reason, r.why) {
			t.Fatalf("%s: inbound %+v; want it on %s, refused because %q", r.name, in, ref, r.why)
		}
		if tk := d.ticket(ref); tk.Status != "escalated" || !tk.FirstResponseAt.IsZero() || len(tk.events("forged_agent_reply")) != i+1 {
			t.Fatalf("%s: %s is %s, first response %v, %d forged replies recorded", r.name, ref, tk.Status, tk.FirstResponseAt, len(tk.events("forged_agent_reply")))
		}
	}
	// The genuine reply, through the MX: it acts.
	d.deliver(replyMail(t, "Ken <ken@example.com>", notice, "k1@agents.example", "Please print a test page from the printer's menu."))
	d.run("")
	sent := d.sent()
	if r := sent.one(t, hanako); len(sent) != 2 || !strings.Contains(r.Text, "test page") {
		t.Fatalf("ken's genuine reply (sent:%s)", sent)
	}

	// Bob hands the ticket to L2; Alice then answers the L1 notice.
	d.deliver(replyMail(t, "bob@example.com", notice, "b1@agents.example", "#escalate"))
	d.run("")
	l2 := d.sent().one(t, "l2@example.com")
	d.deliver(replyMail(t, "alice@example.com", notice, "a1@agents.example", "#resolve\nThe printer works again."))
	d.run("")
	sent = d.sent()
	told := sent.one(t, "alice@example.com")
	if len(sent) != 1 || !strings.Contains(told.Subject, "moved to L2") || !strings.Contains(told.Text, "from L1 to L2") || told.AutoSubmitted != "auto-replied" {
		t.Fatalf("the L1 token after the move (sent:%s) %q:\n%s", sent, told.Subject, told.Text)
	}
	if in := d.inbound("a1@agents.example"); !strings.Contains(in.Reason, "moved from L1 to L2") {
		t.Fatalf("the L1 token after the move: %+v", in)
	}
	if tk := d.ticket(ref); tk.Status != "escalated" || tk.Tier != "L2" {
		t.Fatalf("after the L1 token: %s at %s", tk.Status, tk.Tier)
	}
	d.deliver(replyMail(t, "carol@example.com", l2, "c1@agents.example", "The fuser unit is being replaced today."))
	d.run("")
	sent = d.sent()
	relay := sent.one(t, hanako)
	if copyL2 := sent.one(t, "l2@example.com"); len(sent) != 2 || !strings.Contains(copyL2.Text, "fuser unit") {
		t.Fatalf("carol's reply (sent:%s)", sent)
	}

	// Legitimate mail that looked forged before: a plus address that is no
	// token, an agent's own problem.
	d.deliver(customerMail("Hanako Yamada <hanako@customer.example>", "Billing <support+billing@example.com>", "Invoice for November", "b2@customer.example",
		"The invoice for November is missing."),
		customerMail("Alice <alice@example.com>", "support@example.com", "My laptop does not boot", "a2@example.com", "My own laptop shows a black screen."))
	d.run("")
	sent = d.sent()
	for _, c := range []struct{ id, from string }{{"b2@customer.example", hanako}, {"a2@example.com", "alice@example.com"}} {
		if in := d.inbound(c.id); in.Disposition != "new_ticket" || strings.Contains(in.Reason, "forged") {
			t.Fatalf("%s: %+v", c.id, in)
		}
		if ack := sent.one(t, c.from); !strings.Contains(ack.Subject, "Received") {
			t.Fatalf("%s was not acknowledged: %q", c.from, ack.Subject)
		}
	}

	// desk.secret is rotated: the new one in secret_file, the old one in
	// previous_secrets_file.
	writeSecret(t, secretFile, "the-rotated-desk-secret-0123456789")
	writeSecret(t, previousFile, Secret)
	d.deliver(replyMail(t, "Hanako Yamada <hanako@customer.example>", relay, "q2@customer.example", "It prints again, but slowly."),
		customerMail(hanako, relay.replyTo(t), "printer", "q3@customer.example", "And it is noisy."))
	d.run("")
	sent = d.sent()
	if len(sent.to("l2@example.com")) != 2 {
		t.Fatalf("the customer's replies after the rotation (sent:%s)", sent)
	}
	for _, id := range []string{"q2@customer.example", "q3@customer.example"} {
		if in := d.inbound(id); in.Ticket != ref || in.Disposition != "appended" || strings.Contains(in.Reason, "forged") {
			t.Fatalf("the customer's reply %s after the rotation: %+v", id, in)
		}
	}
	d.deliver(replyMail(t, "carol@example.com", l2, "c2@agents.example", "#hold\nPlease tell us when the noise started."))
	d.run("")
	sent = d.sent()
	if r := sent.one(t, hanako); !strings.Contains(r.Text, "noise started") || r.token(t) == relay.token(t) {
		t.Fatalf("carol's old token within the grace period (sent:%s): token %s, before %s", sent, r.token(t), relay.token(t))
	}
	if tk := d.ticket(ref); tk.Status != "on_hold" {
		t.Fatalf("after carol's #hold: %s", tk.Status)
	}

	// After the grace period the old agent token proves nothing.
	d.deliver(replyMail(t, "carol@example.com", l2, "c3@agents.example", "#resolve\nDone."))
	d.run(graceEnds.Add(time.Hour).Format(time.RFC3339))
	if sent := d.sent(); len(sent.to(hanako)) != 0 {
		t.Fatalf("an old token after the grace period reached the customer:%s", sent)
	}
	if in := d.inbound("c3@agents.example"); !strings.Contains(in.Reason, "forged agent reply refused") || !strings.Contains(in.Reason, "HMAC does not verify") {
		t.Fatalf("an old token after the grace period: %+v", in)
	}
	if tk := d.ticket(ref); tk.Status != "on_hold" {
		t.Fatalf("after the old token: %s", tk.Status)
	}
}

// writeSecret writes a secret file as an admin would, with a newline.
func writeSecret(t *testing.T, path, secret string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}
