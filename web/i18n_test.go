package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/madoguchi/madoguchi/desk"
	"github.com/madoguchi/madoguchi/tickets"
)

// Every word a page or handler asks for exists in both languages, and
// the Japanese is Japanese: no page shows "??key??".
func TestMessages_EveryKeyInBothLanguages(t *testing.T) {
	used := map[string]bool{}
	static := regexp.MustCompile(`(?:\.T|\btr\(lang,|\btr\(v\.Lang,|v\.T\(|fail\(w, r, [^,]+,) ?"([a-z_0-9]+\.[a-z_0-9.]+)"`)
	read := func(name string, b []byte) {
		for _, m := range static.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
		}
	}
	fs.WalkDir(pageFiles, "templates", func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			b, _ := pageFiles.ReadFile(p)
			read(p, b)
		}
		return nil
	})
	// In the handlers, every literal "namespace.key" of a namespace the
	// messages have is a key.
	spaces := map[string]bool{}
	for k := range messages {
		if i := strings.IndexByte(k, '.'); i > 0 {
			spaces[k[:i]] = true
		}
	}
	literal := regexp.MustCompile(`"([a-z_]+)\.([a-z_0-9]+)"`)
	goFiles, _ := filepath.Glob("*.go")
	for _, f := range goFiles {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, _ := os.ReadFile(f)
		read(f, b)
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			if spaces[m[1]] && m[1] != "static" {
				used[m[1]+"."+m[2]] = true
			}
		}
	}
	// The keys the pages make from a value: "status." + a status, ...
	dynamic := map[string][]string{
		"status.": statusNames(), "type.": {tickets.Incident, tickets.ServiceRequest}, "level.": {"high", "medium", "low"},
		"target.":  {tickets.TargetRespond, tickets.TargetResolve},
		"role.":    {string(desk.RoleAgent), string(desk.RoleAdmin), string(desk.RoleViewer), string(desk.RoleCustomer)},
		"cstatus.": statusNames(), "rating.": {tickets.RatingGood, tickets.RatingBad, tickets.RatingAny, tickets.RatingNone},
		"answer.": {tickets.AnswerAuto, tickets.AnswerAgent},
		"item.":   {desk.ItemCustomer, desk.ItemParticipant, desk.ItemReply, desk.ItemAuto, desk.ItemAutoAnswer},
		"promise.": {"respond.today", "respond.next_business_day", "respond.by", "respond.soon", "resolve.today", "resolve.next_business_day",
			"resolve.by", "resolve.soon", "waiting", "auto_answered", "resolved"},
		"order.": tickets.QueueOrders(), "faqstatus.": faqStatuses, "language.": faqLanguages,
		"decision.": {"auto", "suggest", "escalate"}, "faq.do_": {"publish", "retire", "draft"},
		"delivery.": {"pending", "sent", "failed", "unknown"},
		"mark.": {desk.MarkCustomer, desk.MarkParticipant, desk.MarkAgent, desk.MarkNote, desk.MarkAutomatic, desk.MarkAutoReply,
			desk.MarkAutoAnswer, desk.MarkRelayed, desk.MarkThirdParty, desk.MarkForged, desk.MarkBounce, desk.MarkSystem, desk.MarkTierMail},
		"mail.": {"ack", "auto_answer", "reopened", "new_after_closed", "relay", "resolution", "notice", "forward", "copy", "reminder",
			"breach", "bounce_notice", "command_error"},
		"reports.age": {"0", "1", "2", "3", "4"},
	}
	for _, a := range actions {
		dynamic["action."] = append(dynamic["action."], a.Name)
		for _, f := range a.Fields {
			dynamic["input."] = append(dynamic["input."], f.Name)
		}
	}
	for prefix, values := range dynamic {
		for _, v := range values {
			used[prefix+v] = true
		}
	}
	if len(used) < 100 {
		t.Fatalf("found only %d keys: the scan reads nothing", len(used))
	}
	for key := range used {
		m, ok := messages[key]
		if !ok {
			t.Errorf("no words for %q", key)
			continue
		}
		if m[0] == "" || m[1] == "" {
			t.Errorf("%q lacks a language: %q", key, m)
		}
		if strings.IndexFunc(m[0], func(r rune) bool { return unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) }) >= 0 {
			t.Errorf("%q: the English is Japanese: %q", key, m[0])
		}
	}
}
