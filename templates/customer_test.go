package templates

import (
	"slices"
	"strings"
	"testing"
)

// customerMails are the mails to a customer: each greets, labels its
// subject and signs alike.
var customerMails = []string{"ack", "auto_answer", "new_after_closed", "reopened", "relay", "resolution", "merged", "major_ack"}

// flat joins a mail's lines, so a test does not depend on where a sentence
// wraps: Japanese lines join without a space, and the indent of a wrapped
// note (a full-width space) goes.
func flat(s string) string {
	s = strings.NewReplacer("\n　", "", "<br>", "").Replace(s)
	var b strings.Builder
	for i, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if i > 0 && l != "" && b.Len() > 0 {
			last := b.String()[b.Len()-1]
			if last < 0x80 && l[0] < 0x80 {
				b.WriteByte(' ')
			}
		}
		b.WriteString(l)
	}
	return b.String()
}

func TestRender_MachineSentMailsSayAReplyStillReachesAPerson(t *testing.T) {
	s := mustNew(t, "")
	note := map[string]string{
		"en": "This mail was sent by our support system; your reply still reaches our support team.",
		"ja": "※本メールはシステムより自動送信しておりますが、ご返信いただいた内容は担当者が確認いたします。",
	}
	for _, name := range []string{"ack", "auto_answer", "new_after_closed", "reopened", "resolution", "merged", "major_ack"} {
		for _, lang := range []string{"en", "ja"} {
			m := render(t, s, name, lang, full)
			if !strings.Contains(flat(m.Text), note[lang]) {
				t.Errorf("%s/%s text lacks the note of machine-sent mail:\n%s", name, lang, m.Text)
			}
			if m.HTML != "" && !strings.Contains(m.HTML, note[lang]) {
				t.Errorf("%s/%s HTML lacks the note of machine-sent mail:\n%s", name, lang, m.HTML)
			}
		}
	}
}

func TestRender_AutoAnswerLabelsQuestionAndAnswerAndSaysTheWaitingPeriod(t *testing.T) {
	s := mustNew(t, "")
	cases := []struct {
		lang   string
		days   int
		want   []string
		absent []string
	}{
		{"ja", 3, []string{"Q：The printer shows error E-02", "A：Open tray 2 and remove the jammed paper.",
			"本回答でご解決いただけましたら、ご返信には及びません。", "本メールの送信後3日間ご連絡がない場合は、ご解決いただけたものとして"},
			[]string{"一定期間", "解決いたしましたら", "ご返信は不要"}},
		{"ja", 7, []string{"本メールの送信後7日間ご連絡がない場合は"}, []string{"一定期間"}},
		{"ja", 0, []string{"しばらくご連絡がない場合は"}, []string{"日間", "一定期間"}},
		{"en", 3, []string{"Q: The printer shows error E-02", "A: Open tray 2 and remove the jammed paper.",
			"no reply is needed: if we do not hear from you within 3 days, we will consider your request solved"}, []string{"after a while"}},
		{"en", 1, []string{"within 1 day, we will"}, []string{"1 days"}},
		{"en", 0, []string{"closed automatically after a while"}, []string{"within"}},
	}
	for _, c := range cases {
		d := sample
		d.ConfirmDays = c.days
		m := render(t, s, "auto_answer", c.lang, d)
		for part, text := range map[string]string{"text": flat(m.Text), "html": m.HTML} {
			for _, w := range c.want {
				if !strings.Contains(text, w) {
					t.Errorf("auto_answer/%s days=%d %s lacks %q:\n%s", c.lang, c.days, part, w, text)
				}
			}
			for _, w := range c.absent {
				if strings.Contains(text, w) {
					t.Errorf("auto_answer/%s days=%d %s says %q:\n%s", c.lang, c.days, part, w, text)
				}
			}
		}
	}
}

func TestRender_UrgentAcknowledgementSaysItWasPassedOnAtOnce(t *testing.T) {
	s := mustNew(t, "")
	urgent := map[string]string{"en": "we have passed it on to our support team at once", "ja": "直ちに担当者へ引き継ぎました"}
	routine := map[string]string{"en": "will get back to you as soon as possible", "ja": "担当者より順次ご連絡いたします"}
	for _, name := range []string{"ack", "new_after_closed"} {
		for _, lang := range []string{"en", "ja"} {
			for _, prio := range []string{"P1", "P2", "P3", "P4", "P5", ""} {
				d := sample
				d.Priority = prio
				m := render(t, s, name, lang, d)
				isUrgent := prio == "P1" || prio == "P2"
				for part, text := range map[string]string{"text": flat(m.Text), "html": m.HTML} {
					if name == "new_after_closed" && part == "html" {
						continue // it has none
					}
					if got := strings.Contains(text, urgent[lang]); got != isUrgent {
						t.Errorf("%s/%s %s %s: says it was passed on at once = %v:\n%s", name, lang, prio, part, got, text)
					}
					if got := strings.Contains(text, routine[lang]); got == isUrgent {
						t.Errorf("%s/%s %s %s: says %q = %v:\n%s", name, lang, prio, part, routine[lang], got, text)
					}
				}
			}
		}
	}
}

func TestRender_GreetingUsesOnlyAPersonsName(t *testing.T) {
	s := mustNew(t, "")
	cases := []struct{ name, en, ja string }{
		{"Ops", "Hello,", "お客様"},
		{"Agent Kobayashi", "Hello,", "お客様"},
		{"情報システム部", "Hello,", "お客様"},
		{"noreply", "Hello,", "お客様"},
		{"", "Hello,", "お客様"},
		{"山田 太郎", "Hello 山田 太郎,", "山田 太郎 様"},
		{"Alice Example", "Hello Alice Example,", "Alice Example 様"},
		{"山田 太郎（営業部）", "Hello 山田 太郎,", "山田 太郎 様"},
	}
	for _, c := range cases {
		d := full
		d.Name = c.name
		for _, name := range customerMails {
			for lang, want := range map[string]string{"en": c.en, "ja": c.ja} {
				m := render(t, s, name, lang, d)
				if first, _, _ := strings.Cut(m.Text, "\n"); first != want {
					t.Errorf("%s/%s greets %q with %q, want %q", name, lang, c.name, first, want)
				}
				if m.HTML != "" && !strings.Contains(m.HTML, "<p>"+want+"</p>") {
					t.Errorf("%s/%s HTML does not greet %q with %q:\n%s", name, lang, c.name, want, m.HTML)
				}
			}
		}
	}
}

func TestRender_SubjectsSayWhatTheMailIs(t *testing.T) {
	s := mustNew(t, "")
	cases := []struct{ name, lang, want string }{
		{"ack", "ja", "【受付完了】[INC-1042] Printer on 3F does not print"},
		{"ack", "en", "[INC-1042] Received: Printer on 3F does not print"},
		{"auto_answer", "ja", "【自動回答】[INC-1042] Printer on 3F does not print"},
		{"auto_answer", "en", "[INC-1042] Automatic answer: Printer on 3F does not print"},
		{"reopened", "ja", "【対応再開】[INC-1042] Printer on 3F does not print"},
		{"reopened", "en", "[INC-1042] Reopened: Printer on 3F does not print"},
		{"new_after_closed", "ja", "【新規受付】[INC-1042] Printer on 3F does not print"},
		{"new_after_closed", "en", "[INC-1042] New request: Printer on 3F does not print"},
		{"resolution", "ja", "【対応完了】[INC-1042] Printer on 3F does not print"},
		{"resolution", "en", "[INC-1042] Resolved: Printer on 3F does not print"},
		{"relay", "en", "[INC-1042] Re: Printer on 3F does not print"},
	}
	for _, c := range cases {
		m := render(t, s, c.name, c.lang, full)
		if m.Subject != c.want {
			t.Errorf("%s/%s subject = %q, want %q", c.name, c.lang, m.Subject, c.want)
		}
		if m.HTML != "" && !strings.Contains(m.HTML, "<title>"+c.want+"</title>") {
			t.Errorf("%s/%s HTML title is not the subject:\n%s", c.name, c.lang, m.HTML)
		}
	}
}

func TestLoad_SubjectLabelsOfOnesOwn(t *testing.T) {
	s, err := Load(Options{Labels: map[string]map[string]string{
		"en": {"ack": "Request logged"},
		"ja": {"ack": "", "resolution": "解決"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, lang, want string }{
		{"ack", "en", "[INC-1042] Request logged: Printer on 3F does not print"},
		{"ack", "ja", "[INC-1042] Re: Printer on 3F does not print"}, // "" = no label
		{"resolution", "ja", "【解決】[INC-1042] Printer on 3F does not print"},
		{"auto_answer", "en", "[INC-1042] Automatic answer: Printer on 3F does not print"}, // not given: built-in
		{"ack", "de", "[INC-1042] Request logged: Printer on 3F does not print"},           // falls back to English, and its label
	} {
		if m := render(t, s, c.name, c.lang, full); m.Subject != c.want {
			t.Errorf("%s/%s subject = %q, want %q", c.name, c.lang, m.Subject, c.want)
		}
	}

	// The desk takes every label out of a reply's subject: the configured
	// ones and the built-in ones, longest first, never "".
	all := s.Labels()
	for _, l := range []string{"Request logged", "解決", "Received", "受付完了", "Automatic answer"} {
		if !slices.Contains(all, l) {
			t.Errorf("Labels() = %q lacks %q", all, l)
		}
	}
	if slices.Contains(all, "") || !slices.IsSortedFunc(all, func(a, b string) int { return len(b) - len(a) }) {
		t.Errorf("Labels() = %q: want no empty label, longest first", all)
	}

	for _, c := range []struct {
		labels map[string]map[string]string
		want   string
	}{
		{map[string]map[string]string{"en": {"acknowledgement": "x"}}, `subject label for unknown mail "acknowledgement"`},
		{map[string]map[string]string{"ja": {"ack": "受付\n完了"}}, `subject label of ack (ja) "受付\n完了" is not one line of text`},
	} {
		if _, err := Load(Options{Labels: c.labels}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("labels %v: err = %v, want %q", c.labels, err, c.want)
		}
	}
}

func TestLoad_SignatureOfOnesOwnSignsEveryCustomerMail(t *testing.T) {
	s, err := Load(Options{Signatures: map[string]string{
		"ja": "株式会社サンプル 情報システム部 ヘルプデスク\n受付時間：平日 9:00〜18:00\n電話：03-1234-5678",
		"en": "-- \r\nExample & Co <IT Help Desk>\r\nWeekdays 9:00-18:00 JST\r\nPhone +81 3 1234 5678\r\n\r\n",
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"ja": "\n-- \n株式会社サンプル 情報システム部 ヘルプデスク\n受付時間：平日 9:00〜18:00\n電話：03-1234-5678\n",
		"en": "\n-- \nExample & Co <IT Help Desk>\nWeekdays 9:00-18:00 JST\nPhone +81 3 1234 5678\n",
	}
	wantHTML := map[string]string{
		"ja": "<p>-- <br>株式会社サンプル 情報システム部 ヘルプデスク<br>受付時間：平日 9:00〜18:00<br>電話：03-1234-5678</p>",
		"en": "<p>-- <br>Example &amp; Co &lt;IT Help Desk&gt;<br>Weekdays 9:00-18:00 JST<br>Phone &#43;81 3 1234 5678</p>",
	}
	builtin := map[string]string{"en": "Support desk", "ja": "サポート窓口"}
	for _, name := range customerMails {
		for _, lang := range []string{"en", "ja"} {
			m := render(t, s, name, lang, full)
			if !strings.HasSuffix(m.Text, want[lang]) || strings.Contains(m.Text, builtin[lang]) {
				t.Errorf("%s/%s is not signed with the configured signature:\n%s", name, lang, m.Text)
			}
			if m.HTML != "" && !strings.Contains(m.HTML, wantHTML[lang]) {
				t.Errorf("%s/%s HTML is not signed with the configured signature:\n%s", name, lang, m.HTML)
			}
		}
	}
	// Without one, the built-in signature with the support address.
	plain := mustNew(t, "")
	for _, name := range customerMails {
		for lang, sig := range builtin {
			if m := render(t, plain, name, lang, full); !strings.HasSuffix(m.Text, "\n-- \n"+sig+"\nsupport@example.com\n") {
				t.Errorf("%s/%s built-in signature:\n%s", name, lang, m.Text)
			}
		}
	}
	// Mails to a tier keep their own.
	if m := render(t, s, "notice", "ja", full); !strings.Contains(m.Text, "サポート窓口（madoguchi）") || strings.Contains(m.Text, "電話：") {
		t.Errorf("notice/ja took the customers' signature:\n%s", m.Text)
	}
}

// A mailbox's signature signs the mails of its tickets; another mailbox,
// or a language it has none in, signs with the desk's.
func TestLoad_AMailboxsSignatureSignsItsMails(t *testing.T) {
	s, err := Load(Options{
		Signatures:        map[string]string{"en": "Example Corp IT Help Desk", "ja": "株式会社サンプル ヘルプデスク"},
		MailboxSignatures: map[string]map[string]string{"requests": {"ja": "株式会社サンプル 情報システム部 申請窓口\n内線 4411", "en": ""}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		mailbox, lang, want string
	}{
		{"requests", "ja", "\n-- \n株式会社サンプル 情報システム部 申請窓口\n内線 4411\n"},
		{"requests", "en", "\n-- \nExample Corp IT Help Desk\n"},
		{"helpdesk", "ja", "\n-- \n株式会社サンプル ヘルプデスク\n"},
		{"", "ja", "\n-- \n株式会社サンプル ヘルプデスク\n"},
	} {
		d := full
		d.Mailbox = c.mailbox
		for _, name := range customerMails {
			if m := render(t, s, name, c.lang, d); !strings.HasSuffix(m.Text, c.want) {
				t.Errorf("%s/%s of mailbox %q is not signed %q:\n%s", name, c.lang, c.mailbox, c.want, m.Text)
			}
		}
	}
}

func TestCleanSignature(t *testing.T) {
	for in, want := range map[string]string{
		"":                                   "",
		"\n\n":                               "",
		"Example Corp\nPhone 1":              "Example Corp\nPhone 1",
		"-- \nExample Corp":                  "Example Corp",
		"--\r\nExample Corp\r\n\r\n":         "Example Corp",
		"\nExample\x1b[31m Corp  \n\n  Tel ": "Example [31m Corp\n\n  Tel",
		"A\u202eB\u2028C":                    "A B C",
	} {
		if got := CleanSignature(in); got != want {
			t.Errorf("CleanSignature(%q) = %q, want %q", in, got, want)
		}
	}
}
