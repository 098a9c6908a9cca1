package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestParse_SignatureAndSubjectLabelsAreRead(t *testing.T) {
	c := mustParse(t, `
[desk.signature]
ja = """
株式会社サンプル 情報システム部 ヘルプデスク
受付時間：平日 9:00〜18:00
電話：03-1234-5678
"""
[desk.subject_labels.en]
ack = "Request logged"
[desk.subject_labels.ja]
reopened = ""
`)
	if want := "株式会社サンプル 情報システム部 ヘルプデスク\n受付時間：平日 9:00〜18:00\n電話：03-1234-5678\n"; c.Desk.Signature.JA != want || c.Desk.Signature.EN != "" {
		t.Errorf("signature = %+v", c.Desk.Signature)
	}
	want := DefaultSubjectLabels()
	want.EN.Ack, want.JA.Reopened = "Request logged", ""
	if c.Desk.SubjectLabels != want {
		t.Errorf("subject labels = %+v, want %+v", c.Desk.SubjectLabels, want)
	}
	if got := c.Desk.SubjectLabels.JA.ByMail(); got["ack"] != "受付完了" || got["major_ack"] != "受付完了" || got["reopened"] != "" || got["merged"] != "統合のご連絡" || len(got) != 7 {
		t.Errorf("ByMail = %v", got)
	}
	// The multi-line signature survives check-config's TOML.
	b, err := c.TOML()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(b, nil, "")
	if err != nil || !reflect.DeepEqual(back.Desk, c.Desk) {
		t.Errorf("TOML round trip: %v\n%+v\nwant\n%+v", err, back.Desk, c.Desk)
	}
}

func TestParse_EnvironmentSetsSignatureAndLabels(t *testing.T) {
	c, err := Parse(nil, envMap(map[string]string{
		"MADOGUCHI_DESK_SIGNATURE_EN":          "Example Corp IT\nPhone +81 3 1234 5678",
		"MADOGUCHI_DESK_SUBJECT_LABELS_JA_ACK": "受付",
	}), "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Desk.Signature.EN != "Example Corp IT\nPhone +81 3 1234 5678" || c.Desk.SubjectLabels.JA.Ack != "受付" {
		t.Errorf("desk = %+v", c.Desk)
	}
}

func TestParse_BadSignatureOrLabelNamesItsKey(t *testing.T) {
	for _, c := range []struct{ name, src, want string }{
		{"too many lines", "[desk.signature]\nen = \"" + strings.Repeat("line\\n", 11) + "last\"",
			"config: desk.signature.en: has 12 lines; at most 10"},
		{"too long", "[desk.signature]\nja = \"" + strings.Repeat("あ", 1001) + "\"",
			"config: desk.signature.ja: has 1001 characters; at most 1000"},
		{"control character", "[desk.signature]\nen = \"Example\\nCorp \\u001b[31m\"",
			"config: desk.signature.en: line 2 has the control character U+001B"},
		{"label of two lines", "[desk.subject_labels.ja]\nack = \"受付\\n完了\"",
			`config: desk.subject_labels.ja.ack: "受付\n完了" has the control character U+000A; a label is one line of text`},
		{"label too long", "[desk.subject_labels.en]\nresolution = \"" + strings.Repeat("x", 41) + "\"",
			"config: desk.subject_labels.en.resolution: has 41 characters; at most 40"},
		{"label not a string", "[desk.subject_labels.en]\nack = 1",
			"config: desk.subject_labels.en.ack: want a string, got an integer (1)"},
		{"unknown mail", "[desk.subject_labels.en]\nacknowledgement = \"x\"",
			`config: unknown key "desk.subject_labels.en.acknowledgement"`},
		{"unknown language", "[desk.signature]\nde = \"x\"",
			`config: unknown key "desk.signature.de"`},
	} {
		_, err := Parse([]byte(c.src), nil, "")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
}
