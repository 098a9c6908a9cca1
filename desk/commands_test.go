package desk

import (
	"strings"
	"testing"
)

func TestParseAgentReply_CommandsOnTopThenTheText(t *testing.T) {
	r := parseAgentReply("\n#resolve\n＃ｔａｋｅ\n#priority p2\n\nRestarting the print spooler fixed it.\n#not a command here\n")
	if len(r.Errors) != 0 {
		t.Fatalf("errors %v", r.Errors)
	}
	if len(r.Commands) != 3 || !r.has("resolve") || !r.has("take") || r.arg("priority") != "P2" {
		t.Fatalf("commands %+v", r.Commands)
	}
	if r.Body != "Restarting the print spooler fixed it.\n#not a command here" {
		t.Fatalf("body %q", r.Body)
	}
	if r := parseAgentReply("Just an answer.\n#resolve"); len(r.Commands) != 0 || r.Body != "Just an answer.\n#resolve" {
		t.Fatalf("a command below the text counted: %+v", r)
	}
}

func TestParseAgentReply_BadCommandsAreErrors(t *testing.T) {
	for text, want := range map[string]string{
		"#reslove\nhi":                 "unknown command #reslove",
		"#priority P9":                 "not a priority",
		"#priority":                    "takes one argument",
		"#assign bob":                  "not an address",
		"#type problem":                "not a type",
		"#resolve fixed it":            "takes no argument",
		"#take\n#take":                 "given twice",
		"#resolve\n#hold":              "contradict",
		"#take\n#assign b@example.com": "contradict",
		"#note\n#resolve":              "#note",
		"#":                            "names no command",
	} {
		r := parseAgentReply(text)
		if !strings.Contains(strings.Join(problemTexts(r.Errors, "en"), "; "), want) {
			t.Errorf("%q: errors %v, want one saying %q", text, r.Errors, want)
		}
	}
	if r := parseAgentReply("#resolve\n#faq\nanswer"); len(r.Errors) != 0 {
		t.Errorf("#resolve with #faq: %v", r.Errors)
	}
	if r := parseAgentReply("#answer vpn-setup\n#type request\n#assign <Bob@Example.com>"); len(r.Errors) != 0 ||
		r.arg("answer") != "vpn-setup" || r.arg("type") != "service_request" || r.arg("assign") != "bob@example.com" {
		t.Errorf("arguments: %+v", r)
	}
}

func TestStripSignature(t *testing.T) {
	if got := stripSignature("Fixed.\n\n-- \nAlice, IT\n+81 3 0000"); got != "Fixed." {
		t.Errorf("%q", got)
	}
	if got := stripSignature("a -- b\nc"); got != "a -- b\nc" {
		t.Errorf("%q", got)
	}
}

func TestParseAgentReply_ErrorsInEachLanguage(t *testing.T) {
	r := parseAgentReply("#priority P9\n#reslove")
	en, ja := problemTexts(r.Errors, "en"), problemTexts(r.Errors, "ja")
	if len(en) != 2 || !strings.Contains(en[0], "not a priority") || !strings.Contains(en[1], "unknown command #reslove") {
		t.Fatalf("English: %q", en)
	}
	if len(ja) != 2 || !strings.Contains(ja[0], "1行目") || !strings.Contains(ja[0], "優先度ではありません") || !strings.Contains(ja[1], "#reslove というコマンドはありません") {
		t.Fatalf("Japanese: %q", ja)
	}
}
