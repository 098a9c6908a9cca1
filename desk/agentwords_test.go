package desk

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/tickets"
)

const hanakoAddr = "hanako@customer.example"

// A header block in a language StripQuoted does not know (Swedish
// Outlook) above the notice, unmarked: the reply is cut where it repeats
// the notice, and the header block above that goes too.
func TestAgentReply_UnknownHeaderBlockAboveAnUnmarkedNoticeIsCut(t *testing.T) {
	f := newAgentFixture(t, func(o *Options) { o.Language = "ja" })
	tk, n := f.escalated("3階のプリンターが今朝から白紙しか印刷しません。")
	body := "Please restart the printer.\n\nMvh\nAlice\n\n" +
		"Från: Example Support <support@example.com>\nSkickat: den 1 december 2026 09:01\nTill: l1@example.com\nÄmne: " + n.Subject + "\n\n" + n.Text
	oc := f.one(agentMail("alice@example.com", n, body, "sv1", "To: "+n.ReplyTo))
	relays := f.sent(mailRelay, hanakoAddr)
	if len(relays) != 1 || !strings.Contains(oc.Reason, "text of our mails cut") {
		t.Fatalf("%d relays, outcome %+v", len(relays), oc)
	}
	want := "Please restart the printer.\n\nMvh\nAlice"
	if got := lastAgentEntry(f, tk.Ref).Text; got != want {
		t.Errorf("relayed words %q, want %q", got, want)
	}
	noticeAbsent(t, f, tk, n, relays[0], want)
}

// Not only the notice: a reply that quotes, unmarked, the copy of an
// earlier answer or the forward of the customer's reply is cut there too.
func TestAgentReply_UnmarkedQuoteOfACopyOrAForwardIsCut(t *testing.T) {
	f := newAgentFixture(t, nil)
	tk, n := f.escalated("The printer on 3F prints only blank pages since this morning.")
	f.one(agentMail("alice@example.com", n, "Please open the front cover and remove the orange tape.", "c1"))
	cp := f.sent(mailCopy, "l1@example.com")[0]
	f.one(agentMail("bob@example.com", n, "I will bring a new fuser unit at 15:00.\n\n\n"+cp.Text, "c2"))
	if got := lastAgentEntry(f, tk.Ref).Text; got != "I will bring a new fuser unit at 15:00." {
		t.Fatalf("the reply to the copy relayed %q", got)
	}
	relay := f.sent(mailRelay, hanakoAddr)[1]
	if strings.Contains(relay.Text, "For your information") || strings.Contains(relay.Text, "l1@example.com") {
		t.Fatalf("the copy reached the customer:\n%s", relay.Text)
	}
	f.replyTo(relay, "The pages are still blank after removing the tape.", "c3")
	fw := f.sent(mailForward, "l1@example.com")[0]
	f.one(agentMail("alice@example.com", n, "Then the fuser unit is worn; Bob replaces it today.\n\n"+fw.Text, "c4"))
	if got := lastAgentEntry(f, tk.Ref).Text; got != "Then the fuser unit is worn; Bob replaces it today." {
		t.Fatalf("the reply to the forward relayed %q", got)
	}
	for _, r := range f.sent(mailRelay, hanakoAddr) {
		if strings.Contains(strings.ToLower(r.Text), "support+") {
			t.Fatalf("a relay holds an agents' address:\n%s", r.Text)
		}
	}
}

// What people wrote on the ticket is theirs, even where our mails carry
// it: an agent who starts an answer as she started the last one, or who
// repeats the customer's words on a line of its own, is relayed whole.
func TestAgentReply_WordsOfTheAgentsOrTheCustomerAreNeverCutAsOurs(t *testing.T) {
	f := newAgentFixture(t, func(o *Options) { o.Language = "ja" })
	tk, n := f.escalated("3階のプリンターが今朝から白紙しか印刷しません。")
	first := "Thank you for your patience, we are looking into it.\nPlease keep the printer switched on."
	f.one(agentMail("alice@example.com", n, first, "w1"))
	second := "Thank you for your patience, we are looking into it.\nYou wrote:\n3階のプリンターが今朝から白紙しか印刷しません。\nThat is a worn fuser unit; a technician comes at 15:00."
	oc := f.one(agentMail("alice@example.com", n, second, "w2"))
	if got := lastAgentEntry(f, tk.Ref).Text; got != second || strings.Contains(oc.Reason, "cut") {
		t.Fatalf("relayed %q (outcome %+v), want the whole answer", got, oc)
	}
}

// The last guard: an agent's reply whose text carries a reply token of
// the agents (a quote the cut could not tell, or a pasted address) is
// held: nothing reaches the customer, the agent is told, the ticket
// records why. The customer's own token is no reason to hold anything.
func TestAgentReply_TextWithAnAgentsTokenIsHeldAndTheAgentTold(t *testing.T) {
	cases := []struct {
		name string
		text func(n *tickets.Outgoing, tk *tickets.Ticket) string
		held bool
	}{
		{"the notice's reply address", func(n *tickets.Outgoing, _ *tickets.Ticket) string {
			return "Please restart the printer.\nIf it fails again, write to " + n.ReplyTo + "."
		}, true},
		{"the reply address in upper case", func(n *tickets.Outgoing, _ *tickets.Ticket) string {
			return "Please restart the printer.\nReply to: " + strings.ToUpper(n.ReplyTo)
		}, true},
		{"the notice's Message-ID", func(n *tickets.Outgoing, _ *tickets.Ticket) string {
			return "Please restart the printer.\n> no, unmarked: Message-ID: <" + n.MessageID + ">\nRef <" + n.MessageID + ">"
		}, true},
		{"a token signed with another secret", func(_ *tickets.Outgoing, tk *tickets.Ticket) string {
			old := replyToken{Ticket: tk.ID, Tier: 0, Role: tokenAgent}.sign([]byte("the-secret-before-the-rotation"))
			return "Please restart the printer.\nsupport+" + old + "@example.com"
		}, true},
		{"a bare agents' token", func(_ *tickets.Outgoing, tk *tickets.Ticket) string {
			return "Please restart the printer. (" + replyToken{Ticket: tk.ID, Tier: 1, Role: tokenAgent}.sign([]byte(testSecret)) + ")"
		}, true},
		{"the customer's own token", func(_ *tickets.Outgoing, tk *tickets.Ticket) string {
			return "Please restart the printer.\nYou can also write to support+" + replyToken{Ticket: tk.ID, Tier: 0, Role: tokenCustomer}.sign([]byte(testSecret)) + "@example.com."
		}, false},
		{"a plus address that is no token", func(_ *tickets.Outgoing, _ *tickets.Ticket) string {
			return "Please restart the printer.\nInvoices go to support+billing@example.com."
		}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newAgentFixture(t, nil)
			tk, n := f.escalated("The printer on 3F prints only blank pages since this morning.")
			oc := f.one(agentMail("alice@example.com", n, c.text(n, tk), "t1"))
			relays := f.sent(mailRelay, hanakoAddr)
			if !c.held {
				if len(relays) != 1 || oc.Status != tickets.StatusInProgress {
					t.Fatalf("%d relays, outcome %+v; want the answer relayed", len(relays), oc)
				}
				return
			}
			if len(relays) != 0 || oc.Status != tickets.StatusEscalated || !f.ticket(tk.Ref).FirstResponseAt.IsZero() {
				t.Fatalf("%d relays, outcome %+v; want the answer held", len(relays), oc)
			}
			errs := f.sent(mailCommandError, "alice@example.com")
			if len(errs) != 1 || !strings.Contains(errs[0].Text, "reply address or Message-ID of the agents") {
				t.Fatalf("the agent was not told: %+v", errs)
			}
			if ev := eventsOf(f, tk.Ref, "agent_reply_refused"); len(ev) != 1 || !strings.Contains(ev[0], "reply address or Message-ID of the agents") {
				t.Fatalf("the ticket does not record why: %q", ev)
			}
		})
	}
}

// What the customer wrote is not looked at for tokens: a subject that
// looks like one cannot hold up every answer to its ticket.
func TestAgentReply_ATokenLikeSubjectOfTheCustomerHoldsNothing(t *testing.T) {
	f := newAgentFixture(t, nil)
	oc := f.one(mail(hanakoAddr, "Printer support+abcdefghijklmnopqrstuvwxyz2345@example.com tk-abcdefghijklmnopqrstuvwxyz2345",
		"The printer on 3F prints only blank pages.", "Message-ID: <s1@customer.example>"))
	n := f.sent(mailNotice, "l1@example.com")[0]
	f.one(agentMail("alice@example.com", n, "Please restart the printer.", "s2"))
	if len(f.sent(mailRelay, hanakoAddr)) != 1 {
		t.Fatalf("the answer was held on %s", oc.Ticket)
	}
}

// Whatever carries it into the mail to the customer, an agents' token
// never goes: an FAQ entry whose answer holds one is held by the last
// check before the mail is queued, and the action is undone.
func TestAgentReply_FAQAnswerCarryingAnAgentsTokenIsNeverSent(t *testing.T) {
	f := newFAQFixture(t, withTiers)
	oc := f.one(mail(hanakoAddr, "Toner", "Where do I get a new cartridge for the copier on floor 5?", "Message-ID: <t1@c>"))
	if oc.Status != tickets.StatusEscalated {
		t.Fatalf("setup %+v", oc)
	}
	n := f.sent(mailNotice, "l1@example.com")[0]
	f.update(func(tx *tickets.Tx) error {
		_, err := tx.PutFAQ(&tickets.FAQ{Key: "toner-desk", Question: "Where is toner?", Answer: "Ask the desk at " + n.ReplyTo + ".", Status: tickets.FAQPublished}, 0, "admin")
		return err
	})
	oc = f.one(agentMail("alice@example.com", n, "#answer toner-desk", "fa1"))
	if len(f.sent(mailRelay, hanakoAddr)) != 0 || oc.Status != tickets.StatusEscalated {
		t.Fatalf("outcome %+v; want nothing sent", oc)
	}
	if e := f.sent(mailCommandError, "alice@example.com"); len(e) != 1 || !strings.Contains(e[0].Text, "not the customer's own") {
		t.Fatalf("the agent was not told: %+v", e)
	}
	if e := f.faq("toner-desk"); len(e.Paraphrases) != 0 {
		t.Fatalf("the held action kept a paraphrase: %+v", e.Paraphrases)
	}
}

func TestAct_TextWithAnAgentsTokenIsRefused(t *testing.T) {
	f := newAgentFixture(t, nil)
	tk, n := f.escalated("The printer on 3F prints only blank pages since this morning.")
	_, err := f.desk.Act(context.Background(), tk.Ref, Action{Actor: "admin", Text: "Reply to " + n.ReplyTo})
	var ae *ActionError
	if !errors.As(err, &ae) || !strings.Contains(err.Error(), "reply address or Message-ID of the agents") {
		t.Fatalf("Act: %v", err)
	}
	if len(f.sent(mailRelay, "")) != 0 {
		t.Fatal("relayed")
	}
}

// inlineImage is an image an HTML mail shows by Content-ID.
type inlineImage struct{ cid, name string }

// htmlAgentMail is an agent's HTML reply to the notice n, with a text
// alternative (plain, when not "") and the inline images the HTML shows,
// as Outlook, Gmail and Apple Mail write one (multipart/related).
func htmlAgentMail(from string, n *tickets.Outgoing, id, plain, html string, images ...inlineImage) string {
	png := base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\n a logo of " + id))
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: Re: %s\r\nMessage-ID: <%s@agents.example>\r\nIn-Reply-To: <%s>\r\nMIME-Version: 1.0\r\n",
		from, n.ReplyTo, n.Subject, id, n.MessageID)
	b.WriteString("Content-Type: multipart/related; boundary=rel\r\n\r\n--rel\r\n")
	if plain != "" {
		b.WriteString("Content-Type: multipart/alternative; boundary=alt\r\n\r\n--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
			strings.ReplaceAll(plain, "\n", "\r\n") + "\r\n--alt\r\n")
	}
	b.WriteString("Content-Type: text/html; charset=utf-8\r\n\r\n" + html + "\r\n")
	if plain != "" {
		b.WriteString("--alt--\r\n")
	}
	for _, im := range images {
		fmt.Fprintf(&b, "--rel\r\nContent-Type: image/png; name=%s\r\nContent-Disposition: inline; filename=%s\r\nContent-ID: <%s>\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n",
			im.name, im.name, im.cid, png)
	}
	b.WriteString("--rel--\r\n")
	return b.String()
}

// A command alone from an HTML client whose signature shows a logo sends
// the customer nothing and does not count as the first response: the
// logo is no content, nor is a signature Outlook marks only in its HTML.
func TestAgentReply_CommandFromAnHTMLClientWithALogoSendsTheCustomerNothing(t *testing.T) {
	logo := inlineImage{"image001.png@01DB4C2A.5E6F7A80", "image001.png"}
	cases := []struct{ name, plain, html string }{
		{"gmail with a delimited signature", "#take\n\n-- \nAlice Agent\nIT Desk",
			`<div dir="ltr">#take<br clear="all"><div><br></div><span class="gmail_signature_prefix">-- </span><br><div dir="ltr" class="gmail_signature"><div>Alice Agent<br>IT Desk</div><img src="cid:` + logo.cid + `"></div></div>`},
		{"outlook with its signature marked in the HTML only", "#take\n\nAlice Agent\nIT Desk, Example Corp\n\n",
			`<html><body lang=EN-US><div class=WordSection1><p class=MsoNormal>#take<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p>` +
				`<p class=MsoNormal><a name="_MailAutoSig"><span lang=EN-US>Alice Agent<o:p></o:p></span></a></p><p class=MsoNormal><span style='mso-bookmark:_MailAutoSig'>IT Desk, Example Corp</span></p>` +
				`<p class=MsoNormal><span style='mso-bookmark:_MailAutoSig'><img width=120 height=40 id="Picture_1" src="cid:` + logo.cid + `" alt="Example Corp"></span></p></div></body></html>`},
		{"html only, a logo and no signature mark", "",
			`<html><body><div>#take</div><div><br></div><div><img src="cid:` + logo.cid + `"></div></body></html>`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newAgentFixture(t, nil)
			tk, n := f.escalated("The printer on 3F prints only blank pages since this morning.")
			oc := f.one(htmlAgentMail("Alice Agent <alice@example.com>", n, "take1", c.plain, c.html, logo))
			got := f.ticket(tk.Ref)
			if len(f.sent(mailRelay, hanakoAddr)) != 0 || !got.FirstResponseAt.IsZero() {
				t.Fatalf("the customer was mailed (%+v), first response %v", oc, got.FirstResponseAt)
			}
			if got.Assignee != "alice@example.com" || got.Status != tickets.StatusInProgress || len(f.sent(mailCopy, "l1@example.com")) != 1 {
				t.Fatalf("#take: assignee %q, status %s, outcome %+v", got.Assignee, got.Status, oc)
			}
		})
	}
}

// With words of the agent's own, a screenshot shown among them goes to
// the customer; the logo of the signature below them does not, nor the
// signature Outlook marks only in its HTML.
func TestAgentReply_ImagesAmongTheAgentsWordsGoTheSignaturesLogoDoesNot(t *testing.T) {
	f := newAgentFixture(t, nil)
	tk, n := f.escalated("The printer on 3F prints only blank pages since this morning.")
	shot, logo := inlineImage{"shot@x", "screenshot.png"}, inlineImage{"image001.png@01DB4C2A.5E6F7A80", "image001.png"}
	html := `<html><body><p class=MsoNormal>Open this menu and choose Clean:<o:p></o:p></p><p class=MsoNormal><img src="cid:shot@x"></p>` +
		`<p class=MsoNormal><a name="_MailAutoSig">Alice Agent</a></p><p class=MsoNormal><span style='mso-bookmark:_MailAutoSig'><img src="cid:` + logo.cid + `"></span></p></body></html>`
	f.one(htmlAgentMail("alice@example.com", n, "img1", "Open this menu and choose Clean:\n\nAlice Agent\n", html, shot, logo))
	relays := f.sent(mailRelay, hanakoAddr)
	if len(relays) != 1 {
		t.Fatalf("%d relays", len(relays))
	}
	if got := lastAgentEntry(f, tk.Ref).Text; got != "Open this menu and choose Clean:" {
		t.Errorf("relayed words %q", got)
	}
	if atts := f.claimed(relays[0].ID).Attachments; len(atts) != 1 || atts[0].Filename != "screenshot.png" {
		t.Fatalf("relayed attachments %+v, want the screenshot alone", atts)
	}
}

// Closed means closed, for attachments too: an attachment-only reply on a
// closed ticket reaches nobody, and the agent is told what to do instead
// (no command reopens a closed ticket).
func TestAgentReply_AttachmentOnlyOnAClosedTicketIsRefused(t *testing.T) {
	f := newAgentFixture(t, nil)
	tk, n := f.escalated("The printer on 3F prints only blank pages since this morning.")
	f.one(agentMail("alice@example.com", n, "#close", "cl1"))
	if f.ticket(tk.Ref).Status != tickets.StatusClosed {
		t.Fatal("setup: not closed")
	}
	raw := "From: alice@example.com\r\nTo: " + n.ReplyTo + "\r\nSubject: Re: " + n.Subject + "\r\nMessage-ID: <cl2@agents.example>\r\nIn-Reply-To: <" + n.MessageID + ">\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\r\n" +
		"--m\r\nContent-Type: application/pdf; name=manual.pdf\r\nContent-Disposition: attachment; filename=manual.pdf\r\n\r\n%PDF-1.4 the manual\r\n--m--\r\n"
	oc := f.one(raw)
	if len(f.sent(mailRelay, hanakoAddr)) != 0 || oc.Status != tickets.StatusClosed {
		t.Fatalf("outcome %+v; the customer was mailed on a closed ticket", oc)
	}
	e := f.sent(mailCommandError, "alice@example.com")
	if len(e) != 1 || !strings.Contains(e[0].Text, "closed and stays closed") || !strings.Contains(e[0].Text, "No command reopens a closed ticket") ||
		!strings.Contains(e[0].Text, "opens a new ticket linked to "+tk.Ref) {
		t.Fatalf("the agent was not told what to do: %+v", e)
	}
}

// eventsOf lists the details of the ticket's audit events of kind.
func eventsOf(f *fixture, ref, kind string) []string {
	f.t.Helper()
	var out []string
	for _, e := range f.events(ref) {
		if e.Kind == kind {
			out = append(out, string(e.Detail))
		}
	}
	return out
}

// claimed is outgoing row id as the sender claims it, attachments loaded.
func (f *fixture) claimed(id int64) tickets.Outgoing {
	f.t.Helper()
	rows, err := f.store.ClaimOutgoing(context.Background(), "test", f.now, f.now.Add(time.Minute), 1000)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, o := range rows {
		if o.ID == id {
			return o
		}
	}
	f.t.Fatalf("outgoing %d is not due", id)
	return tickets.Outgoing{}
}
