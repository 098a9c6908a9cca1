package agentstest

import (
	"html"
	"strings"
	"testing"
)

// On a Japanese desk, agents answer the notice from clients that quote it
// without "> " marks: German Outlook under its Von:/Gesendet: block, Lotus
// Notes under its bare To/Subject block, Apple Mail in HTML only (its
// blockquote turned to text), and a client that only indents it. Each
// customer's mail carries the agent's words and nothing of the notice: no
// tier, due time, command help, notify address or agents' token. A reply
// whose own words carry the agents' reply address is held, and its agent
// told why.
func QuotedNoticesNeverReachTheCustomer(t *testing.T, start Start) {
	d := &installation{t: t, g: start(t, "language = \"ja\"\n"+DeskConfig("8h", ""))}
	d.deliver(customerMail("山田 花子 <hanako@customer.example>", "support@example.com", "3階のプリンターで印刷できません", "jq1@customer.example",
		"3階のプリンターが今朝から白紙しか印刷しません。\n確認をお願いします。"))
	d.run("")
	sent := d.sent()
	refs := d.refs()
	if len(refs) != 1 || len(sent) != 2 {
		t.Fatalf("tickets %v, sent:%s; want the acknowledgement and the notice", refs, sent)
	}
	ref, notice := refs[0], sent.one(t, "l1@example.com")
	tok := notice.token(t)
	if !strings.Contains(notice.Text, "初回応答期限") || !strings.Contains(notice.Text, "support+"+tok) {
		t.Fatalf("the notice is not the Japanese one this scenario quotes:\n%s", notice.Text)
	}
	nt := strings.ReplaceAll(notice.Text, "\r\n", "\n")
	indented := "    " + strings.ReplaceAll(nt, "\n", "\n    ")
	thread := []string{"In-Reply-To: <" + notice.MessageID + ">", "References: <" + strings.Join(notice.References, "> <") + "> <" + notice.MessageID + ">"}
	answers := []struct{ id, from, words, raw string }{
		{id: "de1@agents.example", from: "alice@example.com", words: "Bitte starten Sie den Drucker neu; danach druckt er wieder.",
			raw: "\n\nVon: Example Support <support@example.com>\nGesendet: Dienstag, 1. Dezember 2026 09:01\nAn: l1@example.com\nBetreff: " + notice.Subject + "\n\n" + nt},
		{id: "notes1@agents.example", from: "bob@example.com", words: "トナーを交換しましたので、もう一度お試しください。",
			raw: "\n\n\n\nExample Support <support@example.com>\n2026/12/01 09:01\nPlease respond to\n" + notice.replyTo(t) +
				"\n\nTo\nl1@example.com\ncc\n\nSubject\n" + notice.Subject + "\n\n\n" + nt},
		{id: "indent1@agents.example", from: "alice@example.com", words: "用紙トレイに A4 の用紙を補充してください。", raw: "\n\n\n" + indented},
	}
	for _, a := range answers {
		d.deliver(customerMail(a.from, notice.replyTo(t), "Re: "+notice.Subject, a.id, a.words+a.raw, thread...))
	}
	// Apple Mail, HTML only: the notice in a blockquote below its
	// Japanese attribution.
	apple := "ドライバーを更新しました。"
	d.deliver(strings.Replace(customerMail("alice@example.com", notice.replyTo(t), "Re: "+notice.Subject, "apple1@agents.example",
		`<html><body>`+apple+`<br id="lineBreakAtBeginningOfMessage"><div><br><blockquote type="cite"><div>2026/12/01 9:01、Example Support &lt;support@example.com&gt;のメール:</div><br><div>`+
			strings.ReplaceAll(html.EscapeString(nt), "\n", "<br>\n")+`</div></blockquote></div></body></html>`, thread...), "text/plain", "text/html", 1))
	d.run("")
	sent = d.sent()
	relays := sent.to(hanako)
	if len(relays) != len(answers)+1 || len(sent.to("l1@example.com")) != len(answers)+1 {
		t.Fatalf("want %d relays and as many copies to L1; sent:%s", len(answers)+1, sent)
	}
	words := []string{apple}
	for _, a := range answers {
		words = append(words, a.words)
	}
	for _, w := range words {
		var relay sentMail
		for _, r := range relays {
			if strings.Contains(r.Text, w) {
				relay = r
			}
		}
		if relay.Message == nil {
			t.Fatalf("no relay carries %q; sent:%s", w, sent)
		}
		for _, bad := range []string{"ご担当者各位", "担当チーム", "初回応答期限", "解決期限", "#resolve", "l1@example.com", tok, "tk-", "Gesendet", "Please respond to"} {
			if strings.Contains(relay.raw, bad) || strings.Contains(relay.Text, bad) {
				t.Fatalf("the relay of %q holds %q of the notice:\n%s", w, bad, relay.Text)
			}
		}
	}
	tk := d.ticket(ref)
	var relayed []string
	for _, e := range tk.Entries {
		if e.Kind == "agent" && e.Direction == "in" {
			relayed = append(relayed, e.Text)
		}
	}
	for _, w := range words {
		found := false
		for _, r := range relayed {
			found = found || r == w
		}
		if !found {
			t.Errorf("no agent entry holds exactly %q; agent entries: %q", w, relayed)
		}
	}

	// An answer whose own words carry the agents' reply address: held.
	d.deliver(customerMail("bob@example.com", notice.replyTo(t), "Re: "+notice.Subject, "held1@agents.example",
		"再起動しても直らない場合は "+notice.replyTo(t)+" までご連絡ください。", thread...))
	d.run("")
	sent = d.sent()
	e := sent.one(t, "bob@example.com")
	if len(sent) != 1 || e.AutoSubmitted != "auto-replied" || !strings.Contains(e.Text, "担当者用の返信先アドレス") {
		t.Fatalf("the held answer (sent:%s):\n%s", sent, e.Text)
	}
	if tk := d.ticket(ref); len(tk.events("agent_reply_refused")) != 1 {
		t.Fatalf("the ticket does not record the held answer: %d refusals", len(tk.events("agent_reply_refused")))
	}
}

// A command alone from an HTML client whose signature shows a logo
// (#take) mails the customer nothing and leaves the respond clock
// running; a closed ticket stays closed for an attachment-only answer
// too, whose agent is told what to do instead.
func CommandOnlyAndClosedTicketsMailTheCustomerNothing(t *testing.T, start Start) {
	d := open(t, start, "8h", "")
	ref, notice := d.escalated("")
	d.deliver(mimeReply(t, "Alice Agent <alice@example.com>", notice, "take1@agents.example", `Content-Type: multipart/related; boundary=rel

--rel
Content-Type: multipart/alternative; boundary=alt

--alt
Content-Type: text/plain; charset=utf-8

#take

Alice Agent
IT Desk, Example Corp
--alt
Content-Type: text/html; charset=utf-8

<html><body><p class=MsoNormal>#take</p><p class=MsoNormal>&nbsp;</p><p class=MsoNormal><a name="_MailAutoSig">Alice Agent</a></p><p class=MsoNormal><span style='mso-bookmark:_MailAutoSig'>IT Desk, Example Corp<br><img src="cid:image001.png@01DB4C2A.5E6F7A80" alt="Example Corp"></span></p></body></html>
--alt--
--rel
Content-Type: image/png; name=image001.png
Content-Disposition: inline; filename=image001.png
Content-ID: <image001.png@01DB4C2A.5E6F7A80>
Content-Transfer-Encoding: base64

iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg==
--rel--
`))
	d.run("")
	sent := d.sent()
	if len(sent) != 1 || len(sent.to("l1@example.com")) != 1 {
		t.Fatalf("#take with a signature logo: want only the copy to L1; sent:%s", sent)
	}
	if tk := d.ticket(ref); tk.Assignee != "alice@example.com" || tk.Status != "in_progress" || !tk.FirstResponseAt.IsZero() {
		t.Fatalf("after #take: assignee %q, %s, first response %v", tk.Assignee, tk.Status, tk.FirstResponseAt)
	}

	d.deliver(replyMail(t, "alice@example.com", notice, "close1@agents.example", "#close"))
	d.run("")
	d.sent()
	if tk := d.ticket(ref); tk.Status != "closed" {
		t.Fatalf("after #close: %s", tk.Status)
	}
	d.deliver(mimeReply(t, "bob@example.com", notice, "late1@agents.example", `Content-Type: multipart/mixed; boundary=m

--m
Content-Type: text/plain; charset=utf-8


--m
Content-Type: application/pdf; name=printer-manual.pdf
Content-Disposition: attachment; filename=printer-manual.pdf

%PDF-1.4 the printer's manual
--m--
`))
	d.run("")
	sent = d.sent()
	e := sent.one(t, "bob@example.com")
	if len(sent) != 1 || !strings.Contains(e.Text, "closed and stays closed") || !strings.Contains(e.Text, "No command reopens a closed ticket") {
		t.Fatalf("the attachment-only answer on a closed ticket (sent:%s):\n%s", sent, e.Text)
	}
	if tk := d.ticket(ref); tk.Status != "closed" || !tk.FirstResponseAt.IsZero() {
		t.Fatalf("after the late answer: %s, first response %v", tk.Status, tk.FirstResponseAt)
	}
}

// mimeReply answers m from from, to m's Reply-To, in its thread, with a
// MIME body of its own (content: its Content-Type header, a blank line,
// the body).
func mimeReply(t *testing.T, from string, m sentMail, id, content string) string {
	t.Helper()
	return crlf("From: " + from + "\nTo: " + m.replyTo(t) + "\nSubject: Re: " + m.Subject + "\nMessage-ID: <" + id + ">\nIn-Reply-To: <" +
		m.MessageID + ">\nMIME-Version: 1.0\n" + content)
}
