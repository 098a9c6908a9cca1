package mime

import (
	"regexp"
	"strings"
	"unicode"
)

// Automatic mail told by its words alone. Many autoresponders set no
// header and a plain "Re:" subject; what they write gives them away. These
// signs are weaker than the headers of DetectAutomatic, so Parse does not
// apply them: the desk weighs them where a mistake costs little (an agent's
// reply kept instead of relayed, a new ticket not acknowledged).

// absenceHead is how much of a text is searched for absence wording: an
// out-of-office notice says so at once, while a person's answer that
// mentions a holiday further down is still an answer.
const absenceHead = 400

// absenceWording are the phrases of out-of-office notices in English,
// German and Japanese, matched in lower case. They speak in the first
// person or of the mail itself, so that an answer about someone else's
// absence ("担当者が不在のため", "when you are out of the office") is not one.
var absenceWording = []*regexp.Regexp{
	regexp.MustCompile(`\bi(?:'m|’m| am| will be| shall be)(?: currently| now)? (?:out of (?:the )?office|away from (?:the |my )?(?:office|desk)|on (?:annual |parental |sick |business )?(?:leave|vacation|holiday)|out of town)`),
	regexp.MustCompile(`\bout of (?:the )?office (?:until|till|from|through)\b`),
	regexp.MustCompile(`\blimited access to (?:my )?e-?mails?\b`),
	regexp.MustCompile(`\bthis is an? auto(?:matic|mated|-generated|matically generated)? ?(?:reply|response|message|e-?mail)\b`),
	regexp.MustCompile(`\bich bin (?:derzeit |zurzeit |momentan |(?:ab|bis|vom) [^\n]{1,40}? )?(?:nicht im büro|außer haus|ausser haus|abwesend|im urlaub)`),
	regexp.MustCompile(`\b(?:abwesenheitsnotiz|automatische antwort)\b`),
	regexp.MustCompile(`\b(?:eingeschränkten|keinen) zugriff auf (?:meine )?e-?mails?\b`),
	regexp.MustCompile(`不在にしております|不在にしています|休暇をいただいて|休暇を頂いて|休暇を取得して|休暇中です|順次(?:ご)?返信いたします|自動返信|自動応答|(?:本|この)メールは自動`),
}

// AbsenceNotice reports whether the beginning of a text reads as an
// out-of-office notice, and the phrase that says so.
func AbsenceNotice(text string) (string, bool) {
	head := text
	if n := len(head); n > absenceHead*4 {
		head = head[:absenceHead*4] // bytes; cut to runes below
	}
	if r := []rune(head); len(r) > absenceHead {
		head = string(r[:absenceHead])
	}
	head = strings.ToLower(strings.Join(strings.Fields(head), " "))
	for _, re := range absenceWording {
		if m := re.FindString(head); m != "" {
			return m, true
		}
	}
	return "", false
}

// acknowledgementWords begin the subject of a help desk's acknowledgement
// ("Received: …", "【受付完了】…", "Eingangsbestätigung: …"), matched like
// the auto-reply markers: at the start after reply prefixes and tags,
// followed by a colon, or inside brackets. Not a bare "受付": the reception
// desk's PC is a customer's subject ("受付 PC が起動しません").
var acknowledgementWords = []string{
	"received", "request received", "ticket received", "ticket created", "ticket opened", "case created",
	"acknowledgement", "acknowledgment", "confirmation of receipt", "receipt confirmation",
	"eingangsbestätigung", "empfangsbestätigung", "ticket erstellt",
	"受付完了", "受付済み", "受付のお知らせ", "自動受付",
}

// acknowledgementPhrases say anywhere in a subject that a request was
// received or a ticket opened.
var acknowledgementPhrases = regexp.MustCompile(`\b(?:has|have) been (?:received|logged|registered|created|opened)\b` +
	`|\bwe(?: have|'ve)? received your\b` +
	`|\b(?:ticket|request|case)\s*(?:#|no\.?|number)?\s*[\w-]*\d[\w-]*\s+(?:received|created|opened|logged)\b` +
	`|\b(?:ist eingegangen|wurde (?:erstellt|eröffnet|registriert))\b|\bhaben ihre (?:anfrage|nachricht|e-?mail) erhalten\b` +
	`|受け付けました|受付しました|受付いたしました|受け付けいたしました|承りました|受付番号`)

// AcknowledgementSubject reports whether a subject reads as a help desk's
// acknowledgement of a request, and the words that say so. labels are
// further words that begin such a subject (the desk's own subject labels,
// which another desk's acknowledgement quotes).
func AcknowledgementSubject(subject string, labels ...string) (string, bool) {
	words := acknowledgementWords
	for _, l := range labels {
		if l = strings.ToLower(strings.TrimSpace(l)); l != "" {
			words = append(words[:len(words):len(words)], l)
		}
	}
	if marker, ok := subjectMarker(subject, words); ok {
		return marker, true
	}
	s := strings.ToLower(strings.TrimLeftFunc(subject, unicode.IsSpace))
	if m := acknowledgementPhrases.FindString(s); m != "" {
		return m, true
	}
	return "", false
}
