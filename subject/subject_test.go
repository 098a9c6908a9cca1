package subject

import (
	"strings"
	"testing"
)

func TestStripReplies(t *testing.T) {
	for in, want := range map[string]string{
		"Re: printer":                 "printer",
		"RE: AW: Fwd: printer":        "printer",
		"Re[2]: printer":              "printer",
		"RE [3] : printer":            "printer",
		"  re:printer":                "printer",
		"返信：プリンター":                    "プリンター",
		"Re： 転送: プリンター":               "プリンター",
		"回复: 打印机":                     "打印机",
		"SV: VS: TR: Antw: WG: topic": "topic",
		"Re printer":                  "Re printer",
		"Regarding: printer":          "Regarding: printer",
		"Reset: my password":          "Reset: my password",
		"Fw- printer":                 "Fw- printer",
		"[INC-1] Re: printer":         "[INC-1] Re: printer",
		"":                            "",
	} {
		if got := StripReplies(in); got != want {
			t.Errorf("StripReplies(%q) = %q, want %q", in, got, want)
		}
	}
	if got := StripReplies(strings.Repeat("Re: ", 100000) + "x"); !strings.HasPrefix(got, "Re: ") {
		t.Errorf("a giant stack was stripped whole or panicked: %.20q", got)
	}
}

func TestTrimReply_OneAtATime(t *testing.T) {
	rest, ok := TrimReply("RE: Automatic reply: away")
	if !ok || rest != "Automatic reply: away" {
		t.Fatalf("%q %v", rest, ok)
	}
	if _, ok := TrimReply("Automatic reply: away"); ok {
		t.Fatal("an auto-reply marker read as a reply marker")
	}
}
