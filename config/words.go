package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Signature is the signature of the mails to customers ([desk.signature]),
// one per language: a few lines such as the company, the desk's hours and
// its phone number, without the "-- " line the mails put before it. ""
// keeps the built-in signature of that language (the desk's name and
// desk.support_address).
type Signature struct {
	EN string `toml:"en"`
	JA string `toml:"ja"`
}

// The tones of the mails to customers (desk.tone): how the desk speaks
// to the people it answers.
const (
	ToneExternal = "external" // customers outside: お客様, 「誠にありがとうございます」
	ToneInternal = "internal" // an in-house desk's colleagues: no お客様, plainer polite Japanese
)

// SubjectLabels are the words that say in a subject what a mail to a
// customer is ([desk.subject_labels.en], [desk.subject_labels.ja]):
// "[INC-1042] Received: ..." in English, "【受付完了】[INC-1042] ..." in
// Japanese. The ticket's tag stays in every subject, for threading.
type SubjectLabels struct {
	EN Labels `toml:"en"`
	JA Labels `toml:"ja"`
}

// Labels are one language's subject labels, by mail; "" = no label
// ("[INC-1042] Re: ...").
type Labels struct {
	Ack            string `toml:"ack"`              // the acknowledgement of a new request
	AutoAnswer     string `toml:"auto_answer"`      // the automatic answer from the FAQ
	NewAfterClosed string `toml:"new_after_closed"` // a mail on a closed ticket, registered as a new one
	Reopened       string `toml:"reopened"`         // a reply that reopened a resolved ticket
	Resolution     string `toml:"resolution"`       // the agent's resolution
	Merged         string `toml:"merged"`           // a request joined to another that covers the same matter
}

// DefaultSubjectLabels are the built-in labels; the templates package has
// the same ones (a test in cmd/madoguchi keeps the two in step).
func DefaultSubjectLabels() SubjectLabels {
	return SubjectLabels{
		EN: Labels{Ack: "Received", AutoAnswer: "Automatic answer", NewAfterClosed: "New request", Reopened: "Reopened", Resolution: "Resolved",
			Merged: "Joined"},
		JA: Labels{Ack: "受付完了", AutoAnswer: "自動回答", NewAfterClosed: "新規受付", Reopened: "対応再開", Resolution: "対応完了",
			Merged: "統合のご連絡"},
	}
}

// ByMail returns the labels keyed by the name of the mail template. A
// report attached to a major incident is acknowledged (major_ack) under
// the acknowledgement's label.
func (l Labels) ByMail() map[string]string {
	return map[string]string{"ack": l.Ack, "auto_answer": l.AutoAnswer, "new_after_closed": l.NewAfterClosed,
		"reopened": l.Reopened, "resolution": l.Resolution, "merged": l.Merged, "major_ack": l.Ack}
}

// Limits of the words a customer's mail carries from the configuration.
const (
	MaxSignatureLines = 10
	MaxSignatureRunes = 1000
	MaxLabelRunes     = 40
	MaxOnCallRunes    = 200
)

func (d Desk) validateWords(v *validator) {
	validateSignature(v, "desk.signature", d.Signature)
	for _, l := range []struct {
		lang   string
		labels Labels
	}{{"en", d.SubjectLabels.EN}, {"ja", d.SubjectLabels.JA}} {
		byMail := l.labels.ByMail()
		for _, mail := range slices.Sorted(maps.Keys(byMail)) {
			if mail == "major_ack" {
				continue // ack's label, checked under its own key
			}
			key, label := fmt.Sprintf("desk.subject_labels.%s.%s", l.lang, mail), byMail[mail]
			if r, ok := controlRune(label); ok {
				v.add(key, "%q has the control character %U; a label is one line of text", label, r)
			}
			if n := utf8.RuneCountInString(label); n > MaxLabelRunes {
				v.add(key, "has %d characters; at most %d", n, MaxLabelRunes)
			}
		}
	}
}

// validateSignature checks the signature of [desk.signature] or of a
// mailbox (key names it): lines, length, no control characters.
func validateSignature(v *validator, key string, sig Signature) {
	for _, s := range []struct{ lang, text string }{{"en", sig.EN}, {"ja", sig.JA}} {
		key, sig := key+"."+s.lang, s.text
		if n := strings.Count(strings.TrimRight(sig, "\r\n"), "\n") + 1; n > MaxSignatureLines {
			v.add(key, "has %d lines; at most %d", n, MaxSignatureLines)
		}
		if n := utf8.RuneCountInString(sig); n > MaxSignatureRunes {
			v.add(key, "has %d characters; at most %d", n, MaxSignatureRunes)
		}
		for i, line := range strings.Split(strings.ReplaceAll(sig, "\r\n", "\n"), "\n") {
			if r, ok := controlRune(line); ok {
				v.add(key, "line %d has the control character %U", i+1, r)
			}
		}
	}
}

// controlRune finds a control or format character other than a tab.
func controlRune(s string) (rune, bool) {
	for _, r := range s {
		if r != '\t' && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029') {
			return r, true
		}
	}
	return 0, false
}
