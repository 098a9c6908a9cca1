package templates

import (
	"fmt"
	"strings"
	"text/template"
	"time"
)

// Reason is why a mail to a tier comes (a notice's "Why"), or what one of
// an agent's commands did (a copy's list): a code and its parameters, which
// the "reason" block of the mail's language renders. The desk never puts a
// sentence of its own into a mail to agents: a Japanese desk reads every
// line in Japanese, and an English audit trail keeps the same reason in
// English (Set.Reason).
type Reason struct {
	Code string // one of the Reason… and Action… codes

	Key        string        // an FAQ entry's key
	Confidence string        // the responder's confidence, "0.85"
	Ticket     string        // another ticket's reference
	Agent      string        // the agent who acted, or who was assigned
	Tier       string        // the tier the ticket goes to
	FromTier   string        // the tier it leaves
	Priority   string        // "P2"
	Type       string        // "incident" or "request" (the "type" block's words)
	Target     string        // "respond" or "resolve"
	Due        string        // when a target fell due, formatted
	After      time.Duration // a span of time, written in the mail's language
	Mail       string        // one of our mails, by its number in the outbox
	Status     string        // a delivery report's status, "5.1.1"
	From       string        // what a From header said that is no usable address; a customer told of a merge
	Count      int           // how many (reporters told)

	// Words are the acting agent's own words (#escalate's text): several
	// lines, which a mail quotes and never renders as a reason line.
	Words string
	// Detail is for the record only: a machine's or the classifier's
	// words (an SMTP error, the words a verdict rests on). The audit trail
	// keeps it after the English reason; no mail shows it (the ticket does).
	Detail string
}

// Why a ticket reaches a tier: the notice's reason.
const (
	ReasonToAgents          = "to_agents"               // no FAQ responder, or the mail reads as a robot's: straight to people
	ReasonNoMatch           = "no_match"                // no FAQ entry matches
	ReasonNotMatched        = "not_matched"             // the mail could not be matched before its transaction (matching failed, or its thread closed meanwhile)
	ReasonFAQSuggested      = "faq_suggested"           // Key, Confidence: plausible, shown to the agents
	ReasonFAQNotConfident   = "faq_not_confident"       // Key, Confidence: the best candidate is below the suggest band
	ReasonFAQNotForPriority = "faq_not_for_priority"    // Key, Priority: P1 and P2 are never answered automatically
	ReasonFAQSentBefore     = "faq_sent_before"         // Key, Ticket: the linked ticket had this answer already
	ReasonFAQUnpublished    = "faq_unpublished"         // Key
	ReasonAnswerHeld        = "auto_answer_held"        // the automatic-reply limit held the answer back
	ReasonFAQDidNotHelp     = "faq_did_not_help"        // Key: a problem report after the automatic answer
	ReasonFAQReplyUnclear   = "faq_reply_unclear"       // Key: a reply to the automatic answer that says neither
	ReasonReopened          = "reopened"                // the customer replied to a resolved ticket
	ReasonAnswerFailed      = "auto_answer_failed"      // Mail: the outbox gave the automatic answer up
	ReasonAnswerUnconfirmed = "auto_answer_unconfirmed" // Mail: the relay never confirmed the automatic answer
	ReasonAnswerBounced     = "auto_answer_bounced"     // Mail, Status: a delivery report of failure
	ReasonSLABreached       = "sla_breached"            // Target, Due, Tier
	ReasonUnanswered        = "unanswered"              // After, FromTier, Tier: no agent answered within escalate_after
	ReasonTiersConfigured   = "tiers_configured"        // waiting since before the tiers were configured
	ReasonAgentEscalated    = "agent_escalated"         // Agent, Tier, Words: #escalate
	ReasonUnusableSender    = "unusable_sender"         // From: nobody can be answered, no acknowledgement was sent
	ReasonAlertFiring       = "alert_firing"            // From: a monitoring alert (from that source) opened or reopened the incident
	ReasonRatedBad          = "rated_bad"               // Key, Words: the customer rated the automatic answer bad on its page, with their comment
)

// What an agent's command did: a copy's list.
const (
	ActionTake          = "take"           // Agent
	ActionAssign        = "assign"         // Agent
	ActionPriority      = "priority"       // Priority
	ActionType          = "type"           // Type
	ActionAnswer        = "answer"         // Key: sent, the customer's wording kept as a pending paraphrase
	ActionResolve       = "resolve"        //
	ActionFAQDraft      = "faq_draft"      // Key
	ActionNotRelayed    = "not_relayed"    // a limit held the relay back
	ActionClose         = "close"          //
	ActionHold          = "hold"           //
	ActionEscalate      = "escalate"       // Tier
	ActionNote          = "note"           // an internal note, and no command
	ActionCc            = "cc"             // From: a participant now, on Cc of the mails to the customer
	ActionCcAlready     = "cc_already"     // From: a participant before
	ActionUncc          = "uncc"           // From: no participant any more
	ActionLink          = "link"           // Ticket: related to it
	ActionLinkedAlready = "linked_already" // Ticket: related to it before
	ActionMerge         = "merge"          // Ticket: merged into it
	ActionMergeTold     = "merge_told"     // From, Ticket: the merged ticket's customer told it goes on as Ticket
	ActionMajor         = "major"          // Ticket, Due: new mails alike attach to Ticket until Due
	ActionMajorOff      = "major_off"      // Ticket: no longer
	ActionReportersTold = "reporters_told" // Count: the reporters of merged or attached tickets told of the resolution
	ActionAlertResolved = "alert_resolved" // From: the monitoring alert is over, the incident resolved
)

// ReasonCodes lists every code a Reason may carry, for a test (or an
// override's author) to render each in every language.
func ReasonCodes() []string {
	return []string{
		ReasonToAgents, ReasonNoMatch, ReasonNotMatched, ReasonFAQSuggested, ReasonFAQNotConfident, ReasonFAQNotForPriority,
		ReasonFAQSentBefore, ReasonFAQUnpublished, ReasonAnswerHeld, ReasonFAQDidNotHelp, ReasonFAQReplyUnclear,
		ReasonReopened, ReasonAnswerFailed, ReasonAnswerUnconfirmed, ReasonAnswerBounced, ReasonSLABreached,
		ReasonUnanswered, ReasonTiersConfigured, ReasonAgentEscalated, ReasonUnusableSender, ReasonAlertFiring, ReasonRatedBad,
		ActionTake, ActionAssign, ActionPriority, ActionType, ActionAnswer, ActionResolve, ActionFAQDraft,
		ActionNotRelayed, ActionClose, ActionHold, ActionEscalate, ActionNote,
		ActionCc, ActionCcAlready, ActionUncc, ActionLink, ActionLinkedAlready, ActionMerge, ActionMergeTold, ActionMajor, ActionMajorOff, ActionReportersTold,
		ActionAlertResolved,
	}
}

// Reason renders r as one line in lang by the "reason" block of that
// language (a language without one uses the English block): the words a
// mail to a tier uses, which the desk also keeps, in English, for the
// audit trail. A code the block does not know comes out as itself.
func (s *Set) Reason(lang string, r Reason) (string, error) {
	t := s.reasons[lang]
	if t == nil {
		t = s.reasons[DefaultLang]
	}
	var b strings.Builder
	if err := t.Execute(&b, r.clean()); err != nil {
		return "", fmt.Errorf("templates: reason %q (%s): %w", r.Code, lang, err)
	}
	return OneLine(b.String()), nil
}

// parseReasons parses, for every language the set has mails in, the
// "reason" block of its partials, and renders every code with it once, so
// an override that breaks the block fails at start-up, not in a mail.
func parseReasons(files map[string]source, langs []string, bases textBases) (map[string]*template.Template, error) {
	out := map[string]*template.Template{}
	for _, lang := range langs {
		t, err := bases.parse("reason."+lang, `{{template "reason" .}}`, "reason block ("+lang+")", files, lang)
		if err != nil {
			return nil, err
		}
		for _, code := range ReasonCodes() {
			if err := t.Execute(new(strings.Builder), Reason{Code: code}); err != nil {
				return nil, fmt.Errorf("templates: the reason block of %s cannot render %q: %w", lang, code, err)
			}
		}
		out[lang] = t
	}
	return out, nil
}

// clean makes every parameter one line; Words keep their lines (mails
// quote them).
func (r Reason) clean() Reason {
	for _, p := range []*string{&r.Code, &r.Key, &r.Confidence, &r.Ticket, &r.Agent, &r.Tier, &r.FromTier, &r.Priority,
		&r.Type, &r.Target, &r.Due, &r.Mail, &r.Status, &r.From, &r.Detail} {
		*p = OneLine(*p)
	}
	return r
}
