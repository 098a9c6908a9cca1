package desk

import "testing"

// A major incident must take in the reports of its outage, in other words
// and other languages, and a monitoring system's repeats; and nothing
// else, least of all the mails that share only the words of any fault
// ("not working", "error", "できません") or one topic word ("VPN").
func TestSameReport_ReportsOfTheOutageAttachAndUnrelatedMailsDoNot(t *testing.T) {
	type report struct{ subject, text string }
	majors := map[string]report{
		"mail": {"Mail server down", "Outlook cannot connect to the mail server since 9:00. Nobody on 3F can send mail."},
		"メール":  {"メールサーバーに接続できません", "9時ごろからメールの送受信ができません。Outlook にエラーが表示されます。"},
		"vpn":  {"VPN down", "The VPN gateway does not accept connections."},
		"alert": {"[FIRING:1] HighErrorRate api-gateway prod",
			"alertname=HighErrorRate service=api-gateway env=prod severity=critical\nerror rate 12.3% over 5m (threshold 5%)\nstarted 2026-12-01 09:03:11 JST"},
	}
	cases := []struct {
		major string
		mail  report
		want  bool
	}{
		{"mail", report{"Cannot reach the mail server", "Since this morning my mail does not go out."}, true},
		{"mail", report{"mail server not responding?", "Is the mail server down again?"}, true},
		{"mail", report{"Outlook: mail server unreachable", ""}, true},
		{"mail", report{"RE: Mail server down", "Same here on 5F."}, true},
		{"メール", report{"メールサーバーに繋がりません", "先ほどからメールが送れません。"}, true},
		{"メール", report{"【至急】メールサーバー障害", "営業部全員、メールが使えません。"}, true},
		{"alert", report{"[FIRING:1] HighErrorRate api-gateway prod",
			"alertname=HighErrorRate service=api-gateway env=prod severity=critical\nerror rate 14.8% over 5m (threshold 5%)\nstarted 2026-12-01 09:04:11 JST"}, true},

		{"mail", report{"Printer on 3F prints blank pages", "The printer on the third floor prints only blank pages."}, false},
		{"mail", report{"Mail merge in Word does not work", "The mail merge shows an error."}, false},
		{"mail", report{"Cannot log in", "My password expired and I cannot log in since 9:00."}, false},
		{"mail", report{"Server room too warm", "The air conditioning in the server room is down."}, false},
		{"メール", report{"プリンターに接続できません", "3階のプリンターに接続できません。エラーが表示されます。"}, false},
		{"メール", report{"Teamsにサインインできません", "朝からTeamsにサインインできません。"}, false},
		{"vpn", report{"How do I install the VPN client on my new phone?", "I got a new phone and need the VPN."}, false},
		{"vpn", report{"Not working", "Nothing works, please help, urgent."}, false},
		{"alert", report{"[FIRING:1] DiskFull db-backup prod",
			"alertname=DiskFull service=db-backup env=prod severity=warning\ndisk usage 93% on /var\nstarted 2026-12-01 09:05:00 JST"}, false},
	}
	for _, c := range cases {
		m := majors[c.major]
		// Subjects as the desk keeps them: without tags and "Re:".
		got := sameReport(wordsOfReport(baseSubject(m.subject), m.text), wordsOfReport(baseSubject(c.mail.subject), c.mail.text))
		if got != c.want {
			t.Errorf("major %q, mail %q: same report %v, want %v", m.subject, c.mail.subject, got, c.want)
		}
	}
}

func TestTopicWords_DropNumbersGrammarAndTheWordsOfAnyFault(t *testing.T) {
	got := topicWords("メールサーバーに接続できません (error 0x80042108, since 9:00)")
	for _, w := range []string{"メー", "サー", "接続"} {
		if !got[w] {
			t.Errorf("topic words lack %q: %v", w, got)
		}
	}
	for _, w := range []string{"できません", "error", "since", "9", "00", "に"} {
		if got[w] {
			t.Errorf("topic words have %q: %v", w, got)
		}
	}
	if !got["0x80042108"] {
		t.Errorf("an error code is a topic word: %v", got)
	}
}
