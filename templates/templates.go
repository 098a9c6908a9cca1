// Package templates renders the mails the desk sends (English and Japanese)
// from embedded text/HTML templates, optionally overridden from a directory.
//
// A template is named NAME.LANG.txt: its first line is "Subject: ...", then a
// blank line, then the plain-text body (text/template). An optional
// NAME.LANG.html (html/template) adds an HTML alternative. A file of the same
// name in the override directory wins; a .txt override without its own .html
// also drops the embedded .html, so the two alternatives never disagree.
//
// A file whose name starts with "_" (_NAME.LANG.txt, _NAME.LANG.html) is a
// partial, not a mail: its {{define}} blocks ("commands", "signature",
// "status", ...) can be used by every mail of that language through
// {{template "NAME" .}}. The English partials are loaded first, then those of
// the mail's language, each group in file-name order; a later block of the
// same name wins, so a mail in another language falls back to the English
// blocks, and a partial of one's own in the override directory (say
// _site.ja.txt defining "signature") changes one block. A partial in the
// override directory with the name of an embedded one replaces that file.
//
// Templates may call quote: it marks every line of a text with "> ", so words
// a customer or agent wrote can never pass for the mail's own; lines,
// which splits a text into its lines (an HTML signature puts <br> between);
// and duration, which writes a time.Duration in the mail's language.
//
// The mails to agents say why a ticket comes and what a command did by
// the "reason" block of their language, from a Reason's code and
// parameters (reason.go), never from a sentence of the desk's: a Japanese
// desk reads every line in Japanese. Set.Reason renders the same block on
// its own (the desk keeps the English words for its audit trail); an
// override of the common blocks that cannot render every code fails Load.
// A notice after a ticket's first mail tells its Timeline instead of the
// latest words alone (the "timeline" block).
//
// The mails to customers share a look (the blocks only they use are in
// _customer.*): a greeting by name only when the name is a person's (PersonName), else
// "お客様" / "Hello,"; a subject that says what the mail is, by a label of
// Options.Labels ("【受付完了】[INC-1042] …", "[INC-1042] Received: …"), the
// ticket's tag kept for threading; the "auto" note of mail a machine sent
// (a reply still reaches a person); and the "signature" block, the
// configured Options.Signatures when set, below "-- ". Options.Tone sets
// how they speak: to customers outside, or to an in-house desk's
// colleagues ("山田 太郎 さん", never "お客様"). Around an agent's words, the
// greeting steps back when the agent greeted (Data.Greeted), and an FAQ
// entry stands between the agent's note and sign-off (Data.SignOff).
//
// The mails, and whom they go to:
//
//	ack, auto_answer, new_after_closed, reopened  the customer, answering a mail of theirs
//	relay, resolution                             the customer, around an agent's words
//	notice                                        a tier's notify addresses, on escalation
//	reminder, breach                              the tier, at 75% and 100% of an SLA target
//	forward                                       the tier, with a customer's (participant's) reply
//	copy                                          the rest of the tier, after an agent's reply
//	bounce_notice                                 the tier, when a mail to the customer bounced
//	digest                                        one address of a tier: several reminders and breaches of one tick, as a list
//	tier_bounce                                   another tier, when mail to a tier's address bounces
//	command_error                                 the agent whose reply had a bad command
//	tier_moved                                    the agent who replied for a tier the ticket has left
//	merged                                        the customer of a ticket merged into another, once
//	major_ack                                     a new mail's sender, attached to a major incident
//	major_reports                                 the tier: the reports attached to a major incident since the last list
//	rating_bad                                    the tier that resolved a ticket, and the admins: its customer rated it bad
package templates

import (
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"text/template"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/madoguchi/madoguchi/subject"
)

//go:embed files/*
var embedded embed.FS

// DefaultLang is used for an unknown or missing language.
const DefaultLang = "en"

// Set holds every parsed template, keyed by name and language.
type Set struct {
	mails      map[string]map[string]*mailTemplate // name → lang → template
	labels     map[string]map[string]string        // lang → name → subject label
	allLabels  []string                            // every label, configured or built-in, longest first
	signatures map[string]string                   // lang → signature text
	boxSigs    map[string]map[string]string        // mailbox → lang → signature text
	reasons    map[string]*template.Template       // lang → the "reason" block (Set.Reason)
	tone       string                              // ToneExternal or ToneInternal
}

// Options configure a Set. The zero value is the embedded templates with
// their built-in subject labels and signatures.
type Options struct {
	Dir string // directory of templates overriding the embedded ones; "" = embedded only
	// Signatures are the signature lines of the mails to customers, by
	// language ("Example Corp IT Help Desk\nWeekdays 9:00-18:00\n..."),
	// without the "-- " line, which the templates add. A language without
	// one (or with "") keeps the built-in signature.
	Signatures map[string]string
	// MailboxSignatures are the signatures of the mails of one mailbox
	// (Data.Mailbox), by mailbox and language; a mailbox or language
	// without one (or with "") signs with Signatures.
	MailboxSignatures map[string]map[string]string
	// Labels are the words that say in a subject what a mail to a
	// customer is ("[INC-1042] Received: ...", "【受付完了】[INC-1042] ..."),
	// by language and mail name. A label not given keeps DefaultLabels';
	// one given as "" drops the label ("[INC-1042] Re: ...").
	Labels map[string]map[string]string
	// Tone is how the mails to customers speak: ToneExternal ("" reads
	// as it) to customers outside, ToneInternal to the colleagues of an
	// in-house desk (no お客様, no 「誠にありがとうございます」).
	Tone string
}

// The tones of the mails to customers (Options.Tone).
const (
	ToneExternal = "external"
	ToneInternal = "internal"
)

// DefaultLabels returns the built-in subject labels, by language and mail:
// the mails to customers that say in their subject what they are.
func DefaultLabels() map[string]map[string]string {
	return map[string]map[string]string{
		"en": {"ack": "Received", "auto_answer": "Automatic answer", "new_after_closed": "New request",
			"reopened": "Reopened", "resolution": "Resolved", "merged": "Joined", "major_ack": "Received"},
		"ja": {"ack": "受付完了", "auto_answer": "自動回答", "new_after_closed": "新規受付",
			"reopened": "対応再開", "resolution": "対応完了", "merged": "統合のご連絡", "major_ack": "受付完了"},
	}
}

// Data is what a template may use. Every field is plain text the desk
// fills in, already formatted (times with FormatTime, durations with
// FormatDuration, in the mail's language). Every string may hold anything a
// customer or agent wrote: Render makes every field but Text, Note, SignOff and Answer
// one line (no control characters), and cleans the subject.
type Data struct {
	Ticket         string // "INC-1042"
	Subject        string // the ticket's subject, already decoded
	Name           string // the addressee's display name, may be empty; Render keeps it only when it is a person's (PersonName)
	SupportAddress string // the address of the ticket's mailbox, which the built-in signature names
	Mailbox        string // the ticket's mailbox: its signature (Options.MailboxSignatures) signs the mail
	Question       string // FAQ question, for auto_answer
	Answer         string // FAQ answer, for auto_answer (several lines)
	FAQKey         string
	OldTicket      string // for new_after_closed

	// The ticket, for the mails to a tier.
	Priority   string // "P1".."P5"; P1 and P2 put the priority first in a tier's subjects
	Status     string // a tickets status: "new", "escalated", "in_progress", "on_hold", ...
	Type       string // "incident" or "service_request" ("request" is understood too)
	Tier       string // name of the tier the mail goes to: "L1"
	Assignee   string // the agent the ticket is assigned to, "" if nobody
	Requester  string // "Hanako Yamada <hanako@example.com>"
	NoAddress  bool   // the requester has no usable address: nothing can be sent to them
	RespondDue string // first response due
	ResolveDue string // resolution due
	Reason     Reason // notice: why the ticket comes, by code ("経緯", "Why"); the escalating agent's words quoted apart

	// Words passed on, several lines each, left as they are by Render: the
	// customer's (notice, forward) or the agent's (relay, resolution, copy).
	// Mails to a tier show them with quote; relay and resolution verbatim.
	Text string
	Note string // copy: an agent's internal note (#note), never for the customer
	// SignOff: relay, resolution: the agent's closing line and the name
	// under it, cut from the end of Text when the mail carries an FAQ
	// entry (#answer): the covering note comes first, then the entry, then
	// the sign-off, where a letter signs. Several lines, left as they are.
	SignOff string
	// Greeted: relay, resolution: the agent's words open with a greeting
	// of their own ("伊藤様", "お疲れ様です", "Hi Ken,"), so the mail's greeting
	// steps back to a one-line header: nobody is greeted twice.
	Greeted bool

	// Every mail to a customer: the page of the ticket for this addressee,
	// signed for them (the "status_link" block); "" = none (no console
	// address or no secret).
	StatusLink string
	// resolution, auto_answer: the links that rate the answer good or
	// bad, each opening a page whose button records it ("rate",
	// "rate_answer"); "" = none.
	RateGood, RateBad string
	// rating_bad: the ticket's page in the console; "" = no console.
	ConsoleLink string

	Attachments []AttachmentInfo // notice, forward: the attachments of the mail
	Suggestions []SuggestionInfo // notice: the responder's candidates, best first, none the customer turned down

	// Timeline is a notice's story of the ticket, oldest first: the
	// original report, then every entry since, notes included. Empty for
	// a ticket that is only its first mail (the notice shows Text then).
	// TimelineLeftOut entries after the first were left out to keep the
	// notice short; the mail points to `madoguchi tickets show`.
	Timeline        []TimelineEntry
	TimelineLeftOut int

	Agent        string   // the agent who acted: "Alice Smith <alice@example.com>"
	From         string   // forward: who wrote, "Name <address>"
	FromRole     string   // forward: "requester" or "participant"
	ReplyAddress string   // the signed address a tier's replies go to
	ReopenDays   int      // resolution: days a reply still reopens; 0 = don't say
	ConfirmDays  int      // auto_answer: days without a reply after which the request counts as solved; 0 = don't say
	Errors       []string // command_error: one line each, in the mail's language: `line 1 "#priority P9": want P1..P5`
	Applied      []Reason // copy: what the commands did, by code (ActionTake, ...)

	Target   string // reminder, breach: "respond" or "resolve"
	Due      string // reminder, breach: when the target falls (fell) due
	TimeLeft string // reminder: time left until Due
	NextTier string // breach: the tier the ticket moved to; "" = there is none

	BounceRecipient  string // bounce_notice: the address that bounced
	BounceStatus     string // bounce_notice: the DSN status, "5.1.1"
	BounceDiagnostic string // bounce_notice: the remote server's words
	BouncedTier      string // tier_bounce: the tier whose address bounced (BounceRecipient)
	Every            string // tier_bounce: it is told at most once per this window (FormatDuration)

	Digest []DigestItem // digest: the reminders and breaches it lists, overdue ones first

	// ack, new_after_closed: a mail received outside the business hours
	// says when the desk will look at it (the "out_of_hours" block).
	OpensAt string // the time the desk opens: "9:00"; "" = received within the hours (or 24x7)
	OpensOn string // the day it opens, when not today (FormatDay): "12月7日（月）", "Monday 7 December"
	OnCall  string // P1 and P2: who answers outside the hours (escalation.on_call); "" = nobody

	// One incident, many reporters. merged, major_ack: Ticket is the
	// ticket that lives on (the one merged into, the major incident),
	// OldTicket the reporter's own, Reported its subject as they wrote it.
	Reported     string
	Until        string       // major_reports: new mail attaches to the major incident until then; "" = no longer
	Reports      []ReportInfo // major_reports: the reports attached since the last such mail, the first of them
	ReportsNew   int          // major_reports: how many were attached since the last such mail
	ReportsMore  int          // major_reports: how many of those Reports does not list
	ReportsTotal int          // major_reports: how many are attached in all

	// Render sets these from the Set's Options, whatever the caller put in.
	Label     string // the mail's subject label in its language ("Received", "受付完了"); "" = none
	Signature string // the configured signature of the mail's language, several lines; "" = the built-in one
	Tone      string // ToneExternal or ToneInternal: how the mails to customers speak
}

// DigestItem is one ticket's reminder or breach in a digest.
type DigestItem struct {
	Ticket   string // "INC-1042"
	Subject  string
	Priority string // "P3"
	Tier     string // the tier it was with
	Event    string // "reminder" or "breach"
	Target   string // "respond" or "resolve"
	Due      string // when the target falls (fell) due
	TimeLeft string // reminder: time left until Due
	NextTier string // breach: the tier it moved to; "" = it stays
}

// TimelineEntry is one entry of a ticket's story in a notice.
type TimelineEntry struct {
	When string // formatted
	Who  string // who wrote it: an address
	Kind string // Timeline… : whose words, and where they went
	Key  string // TimelineAutoAnswer: the FAQ entry sent
	Text string // several lines, cut to a length: quoted by the template
	Cut  bool   // Text was cut; the whole is on the ticket
}

// Kinds of timeline entries.
const (
	TimelineCustomer    = "customer"    // the requester's mail
	TimelineParticipant = "participant" // a participant's mail
	TimelineAgent       = "agent"       // an agent's words, relayed to the customer
	TimelineSent        = "sent"        // a mail sent to the customer (an FAQ answer an agent sent)
	TimelineNote        = "note"        // an internal note (#note, #escalate's words, a reply that did nothing)
	TimelineAutoAnswer  = "auto_answer" // the automatic answer of the FAQ entry Key
)

// ReportInfo is one report attached to a major incident.
type ReportInfo struct {
	Ticket  string // the reporter's own ticket, attached: "INC-1043"
	From    string // "Taro Sato <taro@example.com>"
	Subject string // as the reporter wrote it
}

// AttachmentInfo describes one attachment of a mail passed on to a tier.
type AttachmentInfo struct {
	Name     string // file name as the sender gave it
	Size     string // formatted: FormatSize
	Attached bool   // false: above the size cap, only named
}

// SuggestionInfo is one FAQ entry the responder found plausible.
type SuggestionInfo struct {
	Key        string
	Question   string
	Confidence string // formatted: "72%"
}

// Mail is one rendered mail. HTML is "" when the template has none.
type Mail struct {
	Subject, Text, HTML string
}

type mailTemplate struct {
	file    string // file name of the text template, for errors
	subject *template.Template
	text    *template.Template
	html    *htmltemplate.Template // nil if none
}

// New loads the embedded templates and, when dir is not "", the files in
// dir on top of them. Every template is parsed here, so a broken file fails
// start-up with an error naming it rather than a mail later.
func New(dir string) (*Set, error) {
	return Load(Options{Dir: dir})
}

// Load is New with subject labels and signatures of one's own.
func Load(opts Options) (*Set, error) {
	files, err := readFiles(opts.Dir)
	if err != nil {
		return nil, err
	}
	s := &Set{mails: map[string]map[string]*mailTemplate{}, labels: DefaultLabels(), signatures: map[string]string{}, tone: ToneExternal}
	switch opts.Tone {
	case "", ToneExternal:
	case ToneInternal:
		s.tone = ToneInternal
	default:
		return nil, fmt.Errorf("templates: tone %q is neither %q nor %q", opts.Tone, ToneInternal, ToneExternal)
	}
	names := make([]string, 0, len(files))
	for f := range files {
		names = append(names, f)
	}
	sort.Strings(names)
	bases := textBases{}
	for _, f := range names {
		name, lang, ok := splitName(f, ".txt")
		if !ok || isPartial(f) {
			continue
		}
		mt, err := parseMail(f, lang, files, bases)
		if err != nil {
			return nil, err
		}
		if s.mails[name] == nil {
			s.mails[name] = map[string]*mailTemplate{}
		}
		s.mails[name][lang] = mt
	}
	for f, src := range files {
		if strings.HasSuffix(f, ".html") && !isPartial(f) {
			if _, ok := files[strings.TrimSuffix(f, ".html")+".txt"]; !ok {
				return nil, fmt.Errorf("templates: %s: no matching .txt template", src.path)
			}
		}
	}
	langs := []string{DefaultLang}
	for name, byLang := range s.mails {
		if byLang[DefaultLang] == nil {
			return nil, fmt.Errorf("templates: %q has no %s version", name, DefaultLang)
		}
		for l := range byLang {
			if !slices.Contains(langs, l) {
				langs = append(langs, l)
			}
		}
	}
	if s.reasons, err = parseReasons(files, langs, bases); err != nil {
		return nil, err
	}
	for lang, labels := range opts.Labels {
		for name, label := range labels {
			if s.mails[name] == nil {
				return nil, fmt.Errorf("templates: subject label for unknown mail %q", name)
			}
			if label != OneLine(label) {
				return nil, fmt.Errorf("templates: subject label of %s (%s) %q is not one line of text", name, lang, label)
			}
			if s.labels[lang] == nil {
				s.labels[lang] = map[string]string{}
			}
			s.labels[lang][name] = label
		}
	}
	s.allLabels = allLabels(s.labels)
	for lang, sig := range opts.Signatures {
		s.signatures[lang] = CleanSignature(sig)
	}
	s.boxSigs = map[string]map[string]string{}
	for box, sigs := range opts.MailboxSignatures {
		for lang, sig := range sigs {
			if sig = CleanSignature(sig); sig != "" {
				if s.boxSigs[box] == nil {
					s.boxSigs[box] = map[string]string{}
				}
				s.boxSigs[box][lang] = sig
			}
		}
	}
	return s, nil
}

// Labels lists every subject label the set may put in a subject, in any
// language, the configured ones and the built-in ones (mail sent before a
// change is still answered), longest first: the desk takes them out of a
// customer's reply to find its topic.
func (s *Set) Labels() []string { return slices.Clone(s.allLabels) }

func allLabels(configured map[string]map[string]string) []string {
	seen := map[string]bool{"": true}
	var out []string
	for _, labels := range []map[string]map[string]string{configured, DefaultLabels()} {
		for _, byName := range labels {
			for _, l := range byName {
				if !seen[l] {
					seen[l] = true
					out = append(out, l)
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b string) int {
		if d := len(b) - len(a); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	return out
}

// CleanSignature makes a configured signature safe to put in a mail: each
// line one line of text (no control characters), the lines around it and a
// leading "--" line (the templates write their own) dropped.
func CleanSignature(sig string) string {
	var lines []string
	for _, l := range strings.Split(strings.ReplaceAll(sig, "\r\n", "\n"), "\n") {
		l = strings.TrimRight(strings.Map(func(r rune) rune {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' {
				return ' '
			}
			return r
		}, l), " ")
		if len(lines) == 0 && (strings.TrimSpace(l) == "" || strings.TrimSpace(l) == "--") {
			continue
		}
		lines = append(lines, l)
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, "\n")
}

// Render renders the named mail in lang ("ja" or "en"; anything else, or a
// language the template lacks, falls back to English).
func (s *Set) Render(name, lang string, d Data) (Mail, error) {
	langs, ok := s.mails[name]
	if !ok {
		return Mail{}, fmt.Errorf("templates: unknown template %q", name)
	}
	mt := langs[lang]
	if mt == nil {
		mt, lang = langs[DefaultLang], DefaultLang
	}
	sig, ok := s.boxSigs[d.Mailbox][lang]
	if !ok {
		sig = s.signatures[lang]
	}
	d = d.clean()
	d.Label = s.labels[lang][name]
	d.Signature = sig
	d.Tone = s.tone

	var m Mail
	var b strings.Builder
	if err := mt.subject.Execute(&b, d); err != nil {
		return Mail{}, fmt.Errorf("templates: %s: subject: %w", mt.file, err)
	}
	m.Subject = Truncate(OneLine(b.String()), MaxSubject)
	b.Reset()
	if err := mt.text.Execute(&b, d); err != nil {
		return Mail{}, fmt.Errorf("templates: %s: %w", mt.file, err)
	}
	m.Text = b.String()
	if mt.html != nil {
		b.Reset()
		if err := mt.html.Execute(&b, d); err != nil {
			return Mail{}, fmt.Errorf("templates: %s: html: %w", mt.file, err)
		}
		m.HTML = b.String()
	}
	return m, nil
}

// clean returns a copy of d in which every field that a template puts on a
// line of its own is one line: a name, an address or a file name can
// neither start a header nor add lines that pass for the mail's own words.
// Text, Note, SignOff and Answer keep their lines; mails to a tier quote
// them.
func (d Data) clean() Data {
	for _, p := range []*string{&d.Ticket, &d.OldTicket, &d.Name, &d.SupportAddress, &d.Question, &d.FAQKey,
		&d.Priority, &d.Status, &d.Type, &d.Tier, &d.Assignee, &d.Requester, &d.RespondDue, &d.ResolveDue,
		&d.Agent, &d.From, &d.FromRole, &d.ReplyAddress, &d.Target, &d.Due, &d.TimeLeft, &d.NextTier,
		&d.BounceRecipient, &d.BounceStatus, &d.BounceDiagnostic, &d.BouncedTier, &d.Every, &d.Until,
		&d.StatusLink, &d.RateGood, &d.RateBad, &d.ConsoleLink} {
		*p = OneLine(*p)
	}
	// A customer's subject or name may be any length; a relay drops a mail
	// whose header line passes 998 octets, and a body that quotes 200,000
	// characters of subject helps nobody.
	d.Subject = Truncate(baseSubject(d.Subject, d.Ticket, d.OldTicket), MaxSubject)
	d.Name = PersonName(Truncate(d.Name, MaxName))
	d.Attachments = slices.Clone(d.Attachments)
	for i := range d.Attachments {
		a := &d.Attachments[i]
		a.Name, a.Size = OneLine(a.Name), OneLine(a.Size)
	}
	d.Suggestions = slices.Clone(d.Suggestions)
	for i := range d.Suggestions {
		g := &d.Suggestions[i]
		g.Key, g.Question, g.Confidence = OneLine(g.Key), OneLine(g.Question), OneLine(g.Confidence)
	}
	d.Digest = slices.Clone(d.Digest)
	for i := range d.Digest {
		g := &d.Digest[i]
		for _, p := range []*string{&g.Ticket, &g.Priority, &g.Tier, &g.Event, &g.Target, &g.Due, &g.TimeLeft, &g.NextTier} {
			*p = OneLine(*p)
		}
		g.Subject = Truncate(baseSubject(g.Subject, g.Ticket), MaxSubject)
	}
	d.Reported = Truncate(baseSubject(OneLine(d.Reported), d.Ticket, d.OldTicket), MaxSubject)
	d.Reports = slices.Clone(d.Reports)
	for i := range d.Reports {
		g := &d.Reports[i]
		g.Ticket, g.From = OneLine(g.Ticket), Truncate(OneLine(g.From), MaxSubject)
		g.Subject = Truncate(baseSubject(OneLine(g.Subject), g.Ticket), MaxSubject)
	}
	d.Errors = oneLines(d.Errors)
	d.Reason = d.Reason.clean()
	d.Applied = slices.Clone(d.Applied)
	for i := range d.Applied {
		d.Applied[i] = d.Applied[i].clean()
	}
	d.Timeline = slices.Clone(d.Timeline)
	for i := range d.Timeline {
		e := &d.Timeline[i]
		e.When, e.Who, e.Kind, e.Key = OneLine(e.When), OneLine(e.Who), OneLine(e.Kind), OneLine(e.Key)
	}
	return d
}

func oneLines(in []string) []string {
	if in == nil {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = OneLine(s)
	}
	return out
}

// Names lists the template names, sorted.
func (s *Set) Names() []string {
	out := make([]string, 0, len(s.mails))
	for n := range s.mails {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

type source struct {
	path string // shown in errors: "embedded:files/ack.en.txt" or the override path
	data []byte
}

// readFiles merges the embedded files with the override directory.
func readFiles(dir string) (map[string]source, error) {
	files := map[string]source{}
	err := fs.WalkDir(embedded, "files", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := embedded.ReadFile(p)
		if err != nil {
			return err
		}
		files[e.Name()] = source{path: "embedded " + p, data: b}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("templates: reading embedded files: %w", err)
	}
	if dir == "" {
		return files, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("templates: override dir: %w", err)
	}
	overridden := map[string]bool{}
	for _, e := range entries {
		if e.IsDir() || !(strings.HasSuffix(e.Name(), ".txt") || strings.HasSuffix(e.Name(), ".html")) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("templates: %w", err)
		}
		files[e.Name()] = source{path: p, data: b}
		overridden[e.Name()] = true
	}
	for f := range overridden {
		if html, ok := strings.CutSuffix(f, ".txt"); ok && !isPartial(f) && !overridden[html+".html"] {
			delete(files, html+".html")
		}
	}
	return files, nil
}

// isPartial tells a file of shared {{define}} blocks from a mail.
func isPartial(f string) bool { return strings.HasPrefix(f, "_") }

// splitName splits "ack.en.txt" into ("ack", "en") for ext ".txt".
func splitName(f, ext string) (name, lang string, ok bool) {
	base, ok := strings.CutSuffix(f, ext)
	if !ok {
		return "", "", false
	}
	i := strings.LastIndexByte(base, '.')
	if i <= 0 || i == len(base)-1 {
		return "", "", false
	}
	return base[:i], base[i+1:], true
}

// partials returns the partial files with extension ext that a mail in
// lang sees: the default language's first, then lang's own, which redefine
// blocks of the same name.
func partials(files map[string]source, lang, ext string) []source {
	var def, own []string
	for f := range files {
		_, l, ok := splitName(f, ext)
		switch {
		case !ok || !isPartial(f):
		case l == DefaultLang:
			def = append(def, f)
		case l == lang:
			own = append(own, f)
		}
	}
	sort.Strings(def)
	sort.Strings(own)
	var out []source
	for _, f := range append(def, own...) {
		out = append(out, files[f])
	}
	return out
}

var errNoSubject = errors.New(`first line must be "Subject: ..." followed by a blank line`)

// funcs are the functions templates in lang may call: quote, lines, and
// duration, which writes a time.Duration in lang (FormatDuration).
func funcs(lang string) map[string]any {
	return map[string]any{"quote": Quote, "lines": lines,
		"duration": func(d time.Duration) string { return FormatDuration(d, lang) }}
}

// lines splits a text into its lines, for HTML templates that put <br>
// between them.
func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// parseMail parses one mail template of lang; bases holds the text
// partials already parsed, by language (textBases).
func parseMail(file, lang string, files map[string]source, bases textBases) (*mailTemplate, error) {
	src := files[file]
	text := strings.ReplaceAll(string(src.data), "\r\n", "\n")
	first, rest, _ := strings.Cut(text, "\n")
	subj, ok := strings.CutPrefix(first, "Subject:")
	if !ok {
		return nil, fmt.Errorf("templates: %s: %w", src.path, errNoSubject)
	}
	body, ok := strings.CutPrefix(rest, "\n")
	if !ok {
		return nil, fmt.Errorf("templates: %s: %w", src.path, errNoSubject)
	}
	mt := &mailTemplate{file: src.path}
	var err error
	if mt.subject, err = bases.parse(file+":subject", strings.TrimSpace(subj), src.path, files, lang); err != nil {
		return nil, err
	}
	if mt.text, err = bases.parse(file, body, src.path, files, lang); err != nil {
		return nil, err
	}
	htmlFile := strings.TrimSuffix(file, ".txt") + ".html"
	if h, ok := files[htmlFile]; ok {
		mt.html = htmltemplate.New(htmlFile).Funcs(funcs(lang)).Option("missingkey=error")
		for _, p := range partials(files, lang, ".html") {
			if _, err := mt.html.New(p.path).Parse(string(p.data)); err != nil {
				return nil, fmt.Errorf("templates: %s: %w", p.path, err)
			}
		}
		if _, err = mt.html.Parse(string(h.data)); err != nil {
			return nil, fmt.Errorf("templates: %s: %w", h.path, err)
		}
	}
	return mt, nil
}

// textBases are the text partials of a set, parsed once per language:
// every mail's subject and body is parsed into a clone of its language's
// base, and clones share the partials' parse trees. Parsed afresh for each
// of them, the partials (some 30 KB of source for Japanese) made half the
// gateway's live heap, some 16 MiB of parse trees, and so at the
// collector's pace (responder.GCPercent) some 35 MiB of its peak resident
// memory (docs/intake.md).
type textBases map[string]*template.Template

// parse parses one text template of lang after the partials it may use.
func (b textBases) parse(name, text, path string, files map[string]source, lang string) (*template.Template, error) {
	base := b[lang]
	if base == nil {
		base = template.New("partials." + lang).Funcs(funcs(lang)).Option("missingkey=error")
		for _, p := range partials(files, lang, ".txt") {
			if _, err := base.New(p.path).Parse(string(p.data)); err != nil {
				return nil, fmt.Errorf("templates: %s: %w", p.path, err)
			}
		}
		b[lang] = base
	}
	c, err := base.Clone()
	if err != nil {
		return nil, fmt.Errorf("templates: %s: %w", path, err)
	}
	t := c.New(name)
	if _, err := t.Parse(text); err != nil {
		return nil, fmt.Errorf("templates: %s: %w", path, err)
	}
	return t, nil
}

// baseSubject turns a customer's subject into the bare topic: one line, no
// control characters, no stacked "Re:" and no ticket tag of ours, so a
// template can write "[TAG] Re: {{.Subject}}" without "Re: Re:".
func baseSubject(raw string, tags ...string) string {
	s := OneLine(raw)
	for {
		before := s
		for _, t := range tags {
			if t != "" {
				s = strings.TrimSpace(strings.ReplaceAll(s, "["+t+"]", ""))
			}
		}
		s = subject.StripReplies(s)
		if s == before {
			break
		}
	}
	return strings.Join(strings.Fields(s), " ")
}

// Longest subject and display name, in characters (runes), of any mail we
// send. The outbox enforces them too.
const (
	MaxSubject = 200
	MaxName    = 200
)

// Truncate cuts s to at most max runes, the last of them "…" when it cut,
// on a character boundary: never inside a UTF-8 sequence, and never
// between a character and the combining marks or variation selectors
// that belong to it.
func Truncate(s string, max int) string {
	if max <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	cut, n := 0, 0
	for i := range s {
		if n == max-1 {
			cut = i
			break
		}
		n++
	}
	// Back off to the start of the character the cut falls in: a cut
	// before a combining mark, a joiner, or the character a joiner glues
	// on is inside one.
	for cut > 0 {
		r, _ := utf8.DecodeRuneInString(s[cut:])
		prev, size := utf8.DecodeLastRuneInString(s[:cut])
		if !unicode.Is(unicode.M, r) && !isJoiner(r) && !isJoiner(prev) && norm.NFC.PropertiesString(s[cut:]).BoundaryBefore() {
			break
		}
		cut -= size
	}
	return strings.TrimRight(s[:cut], " ") + "…"
}

// isJoiner reports the zero-width joiners that glue characters into one
// (emoji sequences, Indic conjuncts).
func isJoiner(r rune) bool { return r == '\u200d' || r == '\u200c' }

// OneLine replaces CR, LF, tabs and every other control or format
// character by a space and collapses runs of spaces: a value that reaches
// a mail header (a rendered subject, a name from inbound mail) must never
// be able to start a new header line or hide text. The outbox uses it too.
func OneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
