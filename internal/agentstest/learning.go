package agentstest

import (
	"encoding/json"
	"strings"
	"testing"
)

// paraphraseJSON is one line of `faq paraphrases KEY --json`.
type paraphraseJSON struct {
	N                           int
	Text, State, Source, Ticket string
	AddedBy                     string `json:"added_by"`
	StateHow                    string `json:"state_how"`
	StateBy                     string `json:"state_by"`
}

func (d *installation) paraphrases(key string) []paraphraseJSON {
	d.t.Helper()
	var list []paraphraseJSON
	if err := json.Unmarshal([]byte(d.cli("faq", "paraphrases", key, "--json")), &list); err != nil {
		d.t.Fatal(err)
	}
	return list
}

// customerAsks delivers a new question from a customer and runs the
// gateway; it returns the new ticket and what was sent.
func (d *installation) customerAsks(from, subject, id, body string) (string, sentMails) {
	d.t.Helper()
	before := len(d.refs())
	d.deliver(customerMail(from, "support@example.com", subject, id, body))
	d.run("")
	refs := d.refs()
	if len(refs) != before+1 {
		d.t.Fatalf("tickets %v after %s's mail, want one more", refs, from)
	}
	return refs[len(refs)-1], d.sent()
}

// Learning is never poisoned (issue 13). An agent answers a printing
// problem with the VPN entry by mistake: the customer's wording is kept
// as a pending paraphrase of the VPN entry, and the next customer with
// the same words gets an acknowledgement and a person, not the VPN
// instructions. The first customer's problem report removes the wording.
// An answer the customer confirms ("解決しました") confirms its wording, and
// from then on the same words are answered automatically.
func PendingParaphraseNeverAnswersAutomatically(t *testing.T, start Start) {
	d := open(t, start, "8h", "")
	d.cli("faq", "add", "--key", "vpn", "--question", "How do I connect to the office VPN from home?",
		"--answer", "Install the VPN client from the portal and sign in with your company account.", "--status", "published")
	const printing = "The print queue on my laptop is stuck and nothing comes out of the printer on the 2nd floor."

	// The slip.
	ref, sent := d.customerAsks("Hanako Yamada <hanako@customer.example>", "Cannot print", "lp1@customer.example", printing)
	notice := sent.one(t, "l1@example.com")
	d.deliver(replyMail(t, "alice@example.com", notice, "lp2@agents.example", "#answer vpn"))
	d.run("")
	relay := d.sent().one(t, hanako)
	if !strings.Contains(relay.Text, "Install the VPN client") {
		t.Fatalf("the slip's relay:\n%s", relay.Text)
	}
	ps := d.paraphrases("vpn")
	if len(ps) != 1 || ps[0].State != "pending" || ps[0].Ticket != ref || ps[0].AddedBy != "alice@example.com" || !strings.Contains(ps[0].Text, "print queue") {
		t.Fatalf("paraphrases of vpn after the slip: %+v, want Hanako's wording pending from %s", ps, ref)
	}

	// The next customer with the same words: a person, not the VPN entry.
	next, sent := d.customerAsks("Taro Sato <taro@customer.example>", "Cannot print", "lp3@customer.example", printing)
	ack := sent.one(t, "taro@customer.example")
	if strings.Contains(ack.Text, "Install the VPN client") || strings.Contains(ack.Subject, "Automatic answer") {
		t.Fatalf("the next customer got the VPN entry (%q):\n%s", ack.Subject, ack.Text)
	}
	if tk := d.ticket(next); tk.Status != "escalated" {
		t.Fatalf("%s is %s, want escalated to a person", next, tk.Status)
	}
	sent.one(t, "l1@example.com")

	// Hanako says it is not her problem: the wording goes, kept as removed.
	d.deliver(replyMail(t, "Hanako Yamada <hanako@customer.example>", relay, "lp4@customer.example",
		"This is about the VPN, but my printer still does not print anything."))
	d.run("")
	d.sent()
	if ps := d.paraphrases("vpn"); len(ps) != 1 || ps[0].State != "removed" || ps[0].StateHow != "problem_report" || ps[0].StateBy != hanako {
		t.Fatalf("paraphrases of vpn after Hanako's problem report: %+v", ps)
	}

	// A right answer the customer confirms teaches the desk.
	const vpnWords = "The tunnel client on my laptop stays at connecting and never finishes."
	jiro, sent := d.customerAsks("Jiro Kato <jiro@customer.example>", "Tunnel client", "lp5@customer.example", vpnWords)
	d.deliver(replyMail(t, "bob@example.com", sent.one(t, "l1@example.com"), "lp6@agents.example", "#answer vpn"))
	d.run("")
	relay = d.sent().one(t, "jiro@customer.example")
	d.deliver(replyMail(t, "Jiro Kato <jiro@customer.example>", relay, "lp7@customer.example", "解決しました。ありがとうございました。"))
	d.run("")
	d.sent()
	ps = d.paraphrases("vpn")
	if len(ps) != 2 || ps[1].State != "confirmed" || ps[1].StateHow != "customer_reply" || ps[1].Ticket != jiro {
		t.Fatalf("paraphrases of vpn after Jiro's thanks: %+v", ps)
	}
	_, sent = d.customerAsks("Saburo Ito <saburo@customer.example>", "Tunnel client", "lp8@customer.example", vpnWords)
	if auto := sent.one(t, "saburo@customer.example"); !strings.Contains(auto.Subject, "Automatic answer") || !strings.Contains(auto.Text, "Install the VPN client") {
		t.Fatalf("the confirmed wording is not answered automatically (%q):\n%s", auto.Subject, auto.Text)
	}

	// Every addition and settlement is on the entry's audit trail.
	var faq struct {
		Events []struct{ Kind, Actor string }
	}
	if err := json.Unmarshal([]byte(d.cli("faq", "show", "vpn", "--json")), &faq); err != nil {
		t.Fatal(err)
	}
	var trail []string
	for _, e := range faq.Events {
		if strings.HasPrefix(e.Kind, "faq_paraphrase_") {
			trail = append(trail, e.Kind+" "+e.Actor)
		}
	}
	want := "faq_paraphrase_added alice@example.com|faq_paraphrase_removed hanako@customer.example|faq_paraphrase_added bob@example.com|faq_paraphrase_confirmed jiro@customer.example"
	if strings.Join(trail, "|") != want {
		t.Fatalf("audit trail of vpn:\n%s\nwant\n%s", strings.Join(trail, "\n"), strings.ReplaceAll(want, "|", "\n"))
	}
}
