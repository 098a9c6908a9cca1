package desk

import (
	"fmt"
	"strings"

	"golang.org/x/text/width"
)

// An agent acts by commands on lines at the top of a reply (or from the
// terminal: `madoguchi tickets ...` builds the same commands); the text
// below them is relayed to the customer.
type command struct {
	Name string // one of the commandSpecs keys
	Arg  string // ADDRESS, P1..P5, incident|request, KEY; "" for the others
}

type commandSpec struct {
	arg      string // "" = takes no argument; else what it takes, for the error text
	optional bool   // the argument may be left out
}

// commandSpecs are the commands and what each takes; the mails to agents
// explain them (the "commands" block of templates/files/_common.*).
var commandSpecs = map[string]commandSpec{
	"resolve":  {},
	"close":    {},
	"hold":     {},
	"take":     {},
	"assign":   {arg: "ADDRESS"},
	"cc":       {arg: "ADDRESS"},
	"uncc":     {arg: "ADDRESS"},
	"priority": {arg: "P1…P5"},
	"type":     {arg: "incident|request"},
	"note":     {},
	"escalate": {},
	"answer":   {arg: "KEY"},
	"faq":      {},
	"merge":    {arg: "REF"},                 // incidents.go
	"link":     {arg: "REF"},                 // incidents.go
	"major":    {arg: "off", optional: true}, // major.go
}

// agentReply is an agent's reply read: its commands, the text below them
// and what was wrong with them.
type agentReply struct {
	Commands []command
	Body     string
	Errors   []problem
}

// problem is why an agent's action cannot be done, in each language of
// the desk: the agent reads it in desk.language, the log in English.
type problem struct{ en, ja string }

func problemf(en, ja string, args ...any) problem {
	return problem{en: fmt.Sprintf(en, args...), ja: fmt.Sprintf(ja, args...)}
}

func (p problem) String() string { return p.en }

// in is the problem in lang ("ja" or anything else for English).
func (p problem) in(lang string) string {
	if lang == "ja" && p.ja != "" {
		return p.ja
	}
	return p.en
}

// problemTexts is a list of problems in one language.
func problemTexts(list []problem, lang string) []string {
	out := make([]string, len(list))
	for i, p := range list {
		out[i] = p.in(lang)
	}
	return out
}

func (r agentReply) has(name string) bool {
	for _, c := range r.Commands {
		if c.Name == name {
			return true
		}
	}
	return false
}

// internal reports whether the reply's text is for agents only: #note's
// for the tier, #escalate's for the next one.
func (r agentReply) internal() bool { return r.has("note") || r.has("escalate") }

func (r agentReply) arg(name string) string {
	for _, c := range r.Commands {
		if c.Name == name {
			return c.Arg
		}
	}
	return ""
}

// parseAgentReply reads the commands standing on lines at the top of text
// (blank lines between them allowed; "#" or the full-width "＃" that a
// Japanese input method types) up to the first other line. A command the
// desk does not know, a missing or bad argument, a command given twice and
// commands that contradict each other are errors: the reply then does
// nothing at all.
func parseAgentReply(text string) agentReply {
	var r agentReply
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	i := 0
	seen := map[string]bool{}
	for ; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if line == "" {
			continue
		}
		if !strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "＃") {
			break
		}
		// Full-width letters and digits (#ｒｅｓｏｌｖｅ, #priority Ｐ１) read as ASCII.
		line = width.Narrow.String(line)
		fields := strings.Fields(strings.TrimPrefix(line, "#"))
		if len(fields) == 0 {
			r.Errors = append(r.Errors, problemf("line %d: %q names no command", "%d行目：「%s」にコマンド名がありません", i+1, line))
			continue
		}
		name := strings.ToLower(fields[0])
		spec, ok := commandSpecs[name]
		if !ok {
			r.Errors = append(r.Errors, problemf("line %d: unknown command #%s", "%d行目：#%s というコマンドはありません", i+1, fields[0]))
			continue
		}
		if seen[name] {
			r.Errors = append(r.Errors, problemf("line %d: #%s given twice", "%d行目：#%s が二度指定されています", i+1, name))
			continue
		}
		seen[name] = true
		args := fields[1:]
		switch {
		case spec.arg == "" && len(args) > 0:
			r.Errors = append(r.Errors, problemf("line %d: #%s takes no argument (write any explanation on the lines below the commands)",
				"%d行目：#%s には引数を付けられません（説明はコマンドの下の行にお書きください）", i+1, name))
			continue
		case spec.arg != "" && len(args) != 1 && !(spec.optional && len(args) == 0):
			r.Errors = append(r.Errors, problemf("line %d: #%s takes one argument: %s", "%d行目：#%s には引数が一つ必要です：%s", i+1, name, spec.arg))
			continue
		}
		c := command{Name: name}
		if len(args) == 1 {
			arg, bad := checkArg(name, args[0])
			if bad != nil {
				r.Errors = append(r.Errors, problemf("line %d: #%s: %s", "%d行目：#%s：%s", i+1, name, "").with(bad))
				continue
			}
			c.Arg = arg
		}
		r.Commands = append(r.Commands, c)
	}
	r.Body = strings.TrimSpace(strings.Join(lines[i:], "\n"))
	r.Errors = append(r.Errors, conflicts(seen)...)
	r.Errors = append(r.Errors, incidentConflicts(r)...)
	return r
}

func checkArg(name, arg string) (string, *problem) {
	bad := func(en, ja string) (string, *problem) {
		p := problemf(en, ja, arg)
		return "", &p
	}
	switch name {
	case "assign", "cc", "uncc":
		a := strings.ToLower(strings.Trim(arg, "<>"))
		if !usableAddress(a) {
			return bad("%q is not an address", "「%s」はメールアドレスではありません")
		}
		return a, nil
	case "priority":
		p := strings.ToUpper(arg)
		if len(p) == 1 {
			p = "P" + p
		}
		switch p {
		case "P1", "P2", "P3", "P4", "P5":
			return p, nil
		}
		return bad("%q is not a priority (P1…P5)", "「%s」は優先度ではありません（P1〜P5）")
	case "type":
		switch strings.ToLower(arg) {
		case "incident", "inc":
			return "incident", nil
		case "request", "service_request", "req":
			return "service_request", nil
		}
		return bad("%q is not a type (incident or request)", "「%s」は種別ではありません（incident または request）")
	case "merge", "link":
		return checkRefArg(arg)
	case "major":
		if strings.EqualFold(arg, "off") {
			return "off", nil
		}
		return bad("%q is not off (#major alone declares the major incident, #major off ends it)",
			"「%s」は off ではありません（#major のみで大規模障害として登録、#major off で終了します）")
	}
	return arg, nil // #answer KEY: the desk checks that the entry exists
}

// with appends another problem's words to p's (a line number before the
// reason).
func (p problem) with(q *problem) problem {
	return problem{en: p.en + q.en, ja: p.ja + q.ja}
}

// conflicts names commands that cannot go together.
func conflicts(seen map[string]bool) []problem {
	ends := []string{}
	for _, n := range []string{"resolve", "close", "hold", "escalate", "faq", "merge"} {
		if seen[n] {
			ends = append(ends, "#"+n)
		}
	}
	var out []problem
	// #faq resolves: with #resolve it says the same twice, which is fine.
	if len(ends) > 1 && !(len(ends) == 2 && seen["resolve"] && seen["faq"]) {
		out = append(out, problemf("%s contradict each other: use one", "%s は同時に使えません。どれか一つにしてください", strings.Join(ends, ", ")))
	}
	if seen["take"] && seen["assign"] {
		out = append(out, problemf("#take and #assign contradict each other: use one", "#take と #assign は同時に使えません。どちらか一つにしてください"))
	}
	if seen["note"] && (seen["answer"] || seen["resolve"] || seen["faq"] || seen["merge"]) {
		out = append(out, problemf("#note keeps the text from the customer, which #answer, #resolve, #faq and #merge send: use #note alone",
			"#note の本文はお客様に送られませんが、#answer・#resolve・#faq・#merge は送ります。#note は単独でお使いください"))
	}
	return out
}

// stripSignature cuts a reply at its signature separator ("-- " on a line
// of its own, RFC 3676; "--" as clients that trim spaces write it).
func stripSignature(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if t := strings.TrimRight(l, "\r"); t == "-- " || t == "--" {
			return strings.TrimRight(strings.Join(lines[:i], "\n"), "\n ")
		}
	}
	return text
}
