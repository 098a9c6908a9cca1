package main

import (
	"reflect"
	"strings"
	"testing"

	"github.com/madoguchi/madoguchi/config"
	"github.com/madoguchi/madoguchi/templates"
)

// The configuration's subject labels are the templates' built-in ones, so
// a desk with no [desk.subject_labels] sends what a template test shows.
func TestConfigDefaults_MatchTemplateSubjectLabels(t *testing.T) {
	def := config.DefaultSubjectLabels()
	got := map[string]map[string]string{"en": def.EN.ByMail(), "ja": def.JA.ByMail()}
	if want := templates.DefaultLabels(); !reflect.DeepEqual(got, want) {
		t.Errorf("config labels %v, templates' %v", got, want)
	}
}

func TestTemplateOptions_SignatureAndLabelsReachTheMails(t *testing.T) {
	cfg, err := config.Parse([]byte(`
[desk.signature]
ja = """
株式会社サンプル ヘルプデスク
電話：03-1234-5678
"""
[desk.subject_labels.ja]
ack = "受付"
[desk.subject_labels.en]
ack = ""
`), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	set, err := templates.Load(templateOptions(cfg))
	if err != nil {
		t.Fatal(err)
	}
	d := templates.Data{Ticket: "INC-1001", Subject: "プリンター", Name: "山田 太郎", SupportAddress: "support@example.com"}
	ja, err := set.Render("ack", "ja", d)
	if err != nil {
		t.Fatal(err)
	}
	if ja.Subject != "【受付】[INC-1001] プリンター" || !strings.HasSuffix(ja.Text, "\n-- \n株式会社サンプル ヘルプデスク\n電話：03-1234-5678\n") {
		t.Errorf("ja ack: %q\n%s", ja.Subject, ja.Text)
	}
	en, err := set.Render("ack", "en", d)
	if err != nil {
		t.Fatal(err)
	}
	if en.Subject != "[INC-1001] Re: プリンター" || !strings.HasSuffix(en.Text, "\n-- \nSupport desk\nsupport@example.com\n") {
		t.Errorf("en ack: %q\n%s", en.Subject, en.Text)
	}
	if au, _ := set.Render("auto_answer", "ja", d); !strings.HasPrefix(au.Subject, "【自動回答】") {
		t.Errorf("a label not configured is not the default: %q", au.Subject)
	}
}
