package templates

import (
	"strings"
	"testing"
)

// Every mail to a customer shows its status link (text and HTML) in both
// languages and tones; the resolution and the automatic answer ask how it
// went with the two rating links; given no links, no mail says a word of
// them.
func TestRender_EveryCustomerMailCarriesItsLinksInBothLanguages(t *testing.T) {
	for _, tone := range []string{ToneExternal, ToneInternal} {
		s, err := Load(Options{Tone: tone})
		if err != nil {
			t.Fatal(err)
		}
		d := sample
		d.Text, d.Reported = "We replaced the toner.", "printer"
		d.StatusLink = "https://desk.example.com/status/abcdefghijklmnopqrstuvwxyz23"
		d.RateGood, d.RateBad = d.StatusLink+"/rate/good", d.StatusLink+"/rate/bad"
		for _, name := range customerMails {
			for _, lang := range []string{"en", "ja"} {
				m, err := s.Render(name, lang, d)
				if err != nil {
					t.Fatalf("%s/%s: %v", name, lang, err)
				}
				if strings.Count(m.Text, d.StatusLink+"\n") != 1 || m.HTML != "" && !strings.Contains(m.HTML, `href="`+d.StatusLink+`"`) {
					t.Errorf("%s/%s (%s) lacks its status link:\n%s", name, lang, tone, m.Text)
				}
				asks := name == "resolution" || name == "auto_answer"
				for _, link := range []string{d.RateGood, d.RateBad} {
					if strings.Contains(m.Text, link) != asks || m.HTML != "" && strings.Contains(m.HTML, `href="`+link+`"`) != asks {
						t.Errorf("%s/%s (%s): rating link %s shown %v, want %v", name, lang, tone, link, !asks, asks)
					}
				}
				if lang == "ja" && asks && !strings.Contains(m.Text, "良くなかった") && !strings.Contains(m.Text, "役に立たなかった") {
					t.Errorf("%s/ja asks in no Japanese words:\n%s", name, m.Text)
				}
				if strings.Contains(m.Text, "\n\n\n") {
					t.Errorf("%s/%s: the links leave a gap:\n%s", name, lang, m.Text)
				}
				without, err := s.Render(name, lang, sample)
				if err != nil {
					t.Fatal(err)
				}
				for _, word := range []string{"/status/", "its page", "ページ", "How did we do", "いかがでしたか", "Did this answer help", "お役に立ちましたでしょうか"} {
					if strings.Contains(without.Text, word) || strings.Contains(without.HTML, word) {
						t.Errorf("%s/%s without links says %q", name, lang, word)
					}
				}
			}
		}
	}
}

// The bad rating's mail to a tier and to the admins: who rated, what,
// who resolved it, the comment quoted, and the console's page; in
// Japanese every line of its own in Japanese.
func TestRender_RatingBadTellsTheTierTheComment(t *testing.T) {
	s := mustNew(t, "")
	d := Data{Ticket: "INC-1042", Subject: "Printer on 3F", SupportAddress: "support@example.com", Priority: "P3", Status: "resolved",
		From: "hanako@customer.example", Agent: "alice@example.com", Text: "Took a week.\nNobody called back.", Tier: "L1",
		ReplyAddress: "support+tok@example.com", ConsoleLink: "https://desk.example.com/tickets/INC-1042"}
	for _, lang := range []string{"en", "ja"} {
		m, err := s.Render("rating_bad", lang, d)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"[INC-1042]", "hanako@customer.example", "alice@example.com", "> Took a week.", "> Nobody called back.", d.ConsoleLink} {
			if !strings.Contains(m.Subject+m.Text, want) {
				t.Errorf("rating_bad/%s lacks %q:\n%s\n%s", lang, want, m.Subject, m.Text)
			}
		}
	}
	d.Text, d.FAQKey, d.Agent, d.ReplyAddress = "", "vpn-setup", "", ""
	m, _ := s.Render("rating_bad", "en", d)
	if !strings.Contains(m.Text, "FAQ vpn-setup") || !strings.Contains(m.Text, "no comment") || strings.Contains(m.Text, "reply to this mail") {
		t.Errorf("rating_bad of an automatic answer, to an admin:\n%s", m.Text)
	}
}
