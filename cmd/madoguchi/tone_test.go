package main

import (
	"strings"
	"testing"

	"github.com/madoguchi/madoguchi/config"
	"github.com/madoguchi/madoguchi/templates"
)

// desk.tone reaches every mail to a customer: an in-house desk calls its
// colleague さん, not 様, and never お客様.
func TestTemplateOptions_ToneReachesTheMails(t *testing.T) {
	cfg, err := config.Parse([]byte("[desk]\ntone = \"internal\"\n"), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	set, err := templates.Load(templateOptions(cfg))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ack", "relay", "resolution"} {
		m, err := set.Render(name, "ja", templates.Data{Ticket: "INC-1001", Subject: "プリンター", Name: "山田 太郎", SupportAddress: "support@example.com", Text: "直りました。"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(m.Text, "山田 太郎 さん\n") || strings.Contains(m.Text, "太郎 様") || strings.Contains(m.Text, "お客様") || strings.Contains(m.Text, "誠に") {
			t.Errorf("%s/ja with tone internal:\n%s", name, m.Text)
		}
	}
}
