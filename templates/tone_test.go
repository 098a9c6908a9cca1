package templates

import (
	"strings"
	"testing"
)

// An in-house desk writes to colleagues: in Japanese no お客様, no 様 after
// their name and no 「誠に…」, in every mail to a customer, text and HTML;
// an external desk keeps today's wording.
func TestRender_InternalToneNeverCallsColleaguesCustomers(t *testing.T) {
	internal, err := Load(Options{Tone: ToneInternal})
	if err != nil {
		t.Fatal(err)
	}
	external := mustNew(t, "")
	for _, name := range customerMails {
		for _, d := range []Data{full, {Ticket: "INC-1042", SupportAddress: "support@example.com", Priority: "P1", Answer: "Restart.", ReopenDays: 3}} {
			m := render(t, internal, name, "ja", d)
			for part, text := range map[string]string{"text": m.Text, "html": m.HTML} {
				for _, never := range []string{"お客様", "誠に", " 様"} {
					if strings.Contains(text, never) {
						t.Errorf("%s/ja internal %s says %q:\n%s", name, part, never, text)
					}
				}
			}
			if d.Name != "" && !strings.HasPrefix(m.Text, "Hanako Yamada さん\n") {
				t.Errorf("%s/ja internal greets:\n%s", name, m.Text)
			}
			if en := render(t, internal, name, "en", d); strings.HasPrefix(en.Text, "Hello") {
				t.Errorf("%s/en internal greets as to a customer:\n%s", name, en.Text)
			}
		}
		ext := render(t, external, name, "ja", full)
		if !strings.HasPrefix(ext.Text, "Hanako Yamada 様\n") || !strings.Contains(ext.Text, "いただ") {
			t.Errorf("%s/ja external lost today's wording:\n%s", name, ext.Text)
		}
	}
	if ack := render(t, external, "ack", "ja", full); !strings.Contains(ack.Text, "誠にありがとうございます") {
		t.Errorf("ack/ja external:\n%s", ack.Text)
	}
	if _, err := Load(Options{Tone: "friendly"}); err == nil || !strings.Contains(err.Error(), `tone "friendly"`) {
		t.Errorf("an unknown tone: err = %v", err)
	}
}

// When the agent's words open with a greeting of their own, ours steps
// back to a one-line header: the customer is greeted once, by the agent.
func TestRender_AgentsOwnGreetingStepsOursBackToAOneLineHeader(t *testing.T) {
	for _, tone := range []string{ToneExternal, ToneInternal} {
		s, err := Load(Options{Tone: tone})
		if err != nil {
			t.Fatal(err)
		}
		d := full
		d.Greeted = true
		d.Text = "伊藤様\n\nお疲れ様です。情報システム部の山田です。\nトナーを交換しました。"
		for _, name := range []string{"relay", "resolution"} {
			for _, lang := range []string{"en", "ja"} {
				m := render(t, s, name, lang, d)
				head, _, _ := strings.Cut(m.Text, "\n\n")
				if strings.Contains(head, "\n") || !strings.Contains(head, "INC-1042") {
					t.Errorf("%s/%s %s: header %q, want one line naming the ticket", name, lang, tone, head)
				}
				if !strings.HasPrefix(strings.TrimPrefix(m.Text, head+"\n\n"), "伊藤様\n") {
					t.Errorf("%s/%s %s: the agent's greeting does not follow the header:\n%s", name, lang, tone, m.Text)
				}
				for _, greeting := range []string{"Hanako Yamada", "Hello", "Hi,", "お客様"} {
					if strings.Contains(m.Text, greeting) || strings.Contains(m.HTML, greeting) {
						t.Errorf("%s/%s %s greets with %q as well:\n%s\n%s", name, lang, tone, greeting, m.Text, m.HTML)
					}
				}
			}
		}
	}
}

// A P1 resolution opens with an apology, not with thanks, in both tones
// and languages, with the agent's greeting too.
func TestRender_P1ResolutionOpensWithAnApologyNotThanks(t *testing.T) {
	apology := map[string]string{"en": "apologise", "ja": "申し訳"}
	for _, tone := range []string{ToneExternal, ToneInternal} {
		s, err := Load(Options{Tone: tone})
		if err != nil {
			t.Fatal(err)
		}
		for _, greeted := range []bool{false, true} {
			d := full
			d.Priority, d.Greeted = "P1", greeted
			for _, lang := range []string{"en", "ja"} {
				m := render(t, s, "resolution", lang, d)
				words := apology[lang]
				if tone == ToneInternal && lang == "en" {
					words = "Sorry"
				}
				opening := strings.SplitN(m.Text, d.Text, 2)[0]
				if !strings.Contains(opening, words) || strings.Contains(opening, "ありがとう") || strings.Contains(opening, "Thank") {
					t.Errorf("resolution/%s %s greeted=%v opens with:\n%s", lang, tone, greeted, opening)
				}
				if !strings.Contains(m.HTML, words) {
					t.Errorf("resolution/%s %s HTML lacks the apology:\n%s", lang, tone, m.HTML)
				}
			}
			d.Priority = "P3"
			if m := render(t, s, "resolution", "ja", d); strings.Contains(m.Text, "申し訳") {
				t.Errorf("a P3 resolution apologises:\n%s", m.Text)
			}
		}
	}
}

// #answer with a covering note: the note, then the FAQ entry, then the
// agent's sign-off, then our signature — in text and HTML, relay and
// resolution alike.
func TestRender_CoveringNoteThenTheEntryThenTheAgentsSignOff(t *testing.T) {
	s := mustNew(t, "")
	d := full
	d.Text = "Please try the steps below; they fixed the same error on 4F."
	d.SignOff = "Best regards,\nAlice Smith\nIT desk, ext. 1234"
	d.Question, d.Answer = sample.Question, sample.Answer
	for _, name := range []string{"relay", "resolution"} {
		for _, lang := range []string{"en", "ja"} {
			m := render(t, s, name, lang, d)
			for part, text := range map[string]string{"text": m.Text, "html": m.HTML} {
				note, q, a := strings.Index(text, "fixed the same error"), strings.Index(text, "The printer shows error E-02"), strings.Index(text, "Open tray 2")
				sig, ours := strings.Index(text, "Alice Smith"), strings.LastIndex(text, "-- ")
				if note < 0 || q < note || a < q || sig < a || ours < sig {
					t.Errorf("%s/%s %s: note at %d, Q at %d, A at %d, sign-off at %d, our signature at %d; want them in this order:\n%s",
						name, lang, part, note, q, a, sig, ours, text)
				}
			}
		}
	}
}
