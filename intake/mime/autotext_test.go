package mime

import (
	"strings"
	"testing"
)

// Out-of-office notices as robots write them without any header, and
// answers of people that speak of absence without being one.
func TestAbsenceNotice_OutOfOfficeWordingInEnglishGermanAndJapanese(t *testing.T) {
	for _, c := range []struct {
		name, text string
		want       bool
	}{
		{"Outlook, English", "Thank you for your email. I am currently out of the office until Monday, 14 December, with limited access to email.", true},
		{"Gmail vacation responder", "Hi,\nI'm away from my desk until 2 January. For urgent matters please call the service desk.", true},
		{"on leave", "I will be on annual leave from 20 to 31 December.", true},
		{"curly apostrophe", "I’m out of the office today.", true},
		{"automated message", "This is an automated response: your mail has reached my mailbox.", true},
		{"out of office until", "Out of office until 4 January.", true},
		{"German, Outlook", "Vielen Dank für Ihre Nachricht. Ich bin bis zum 14. Dezember nicht im Büro und habe keinen Zugriff auf E-Mails.", true},
		{"German, holiday", "Ich bin derzeit im Urlaub.", true},
		{"German, Abwesenheitsnotiz", "Abwesenheitsnotiz: Ich bin ab dem 20.12. außer Haus.", true},
		{"Japanese, holiday", "お世話になっております。\n誠に勝手ながら、12月14日まで休暇をいただいております。", true},
		{"Japanese, away", "ただいま不在にしております。", true},
		{"Japanese, in order", "期間中にいただいたメールは、休暇明けに順次返信いたします。", true},
		{"Japanese, automatic", "本メールは自動返信です。", true},
		{"an answer about the VPN", "When you are out of the office, connect to the VPN before you print.", false},
		{"someone else is absent, Japanese", "担当者が不在のため、代わりに私が対応いたします。", false},
		{"the customer's holiday", "Please send the form when you are back from your holiday.", false},
		{"German answer about the office", "Wenn Sie nicht im Büro sind, verbinden Sie sich zuerst mit dem VPN.", false},
		{"a plain answer", "Please restart the printer and send a test page.", false},
		{"an absence far below a long answer", strings.Repeat("Please check the toner and the paper tray first. ", 12) + "I am out of the office next week.", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			phrase, got := AbsenceNotice(c.text)
			if got != c.want {
				t.Fatalf("AbsenceNotice(%q) = %q, %v; want %v", c.text, phrase, got, c.want)
			}
		})
	}
}

// Subjects of other help desks' acknowledgements, in English, German and
// Japanese, after tags and reply prefixes; and subjects of people's
// requests that merely contain such a word.
func TestAcknowledgementSubject_OtherDesksAcknowledgements(t *testing.T) {
	for _, c := range []struct {
		name, subject string
		labels        []string
		want          bool
	}{
		{"Received: after a tag", "[#B-2] Received: printer on 3F", nil, true},
		{"ticket number received", "Ticket #B-1042 received", nil, true},
		{"request number created", "Request REQ-77 created: VPN access", nil, true},
		{"has been received", "Your request has been received", nil, true},
		{"we received your", "We received your message", nil, true},
		{"Japanese label", "【受付完了】お問い合わせを受け付けました（受付番号：B-0002）", nil, true},
		{"Japanese phrase", "お問い合わせを承りました", nil, true},
		{"German", "Ihre Anfrage B-2 ist eingegangen", nil, true},
		{"German label", "Eingangsbestätigung: Ihre Anfrage", nil, true},
		{"one of our own labels", "[B-3] Re: Request logged: printer", []string{"Request logged"}, true},
		{"a person's request", "Received an error when printing", nil, false},
		{"a person's Japanese request", "申請を受け付けてもらえません", nil, false},
		{"the reception desk's PC", "受付 PC が起動しません", nil, false},
		{"a person's request about a ticket", "Ticket system is down", nil, false},
		{"plain subject", "Printer on 3F prints blank pages", nil, false},
		{"our label unknown", "Request logged: printer", nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			words, got := AcknowledgementSubject(c.subject, c.labels...)
			if got != c.want {
				t.Fatalf("AcknowledgementSubject(%q) = %q, %v; want %v", c.subject, words, got, c.want)
			}
		})
	}
}
