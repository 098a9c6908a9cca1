package templates

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

var sample = Data{
	Ticket:         "INC-1042",
	Subject:        "Printer on 3F does not print",
	Name:           "Hanako Yamada",
	SupportAddress: "support@example.com",
	Question:       "The printer shows error E-02",
	Answer:         "Open tray 2 and remove the jammed paper.",
	FAQKey:         "printer-e02",
	OldTicket:      "INC-0999",
}

func mustNew(t *testing.T, dir string) *Set {
	t.Helper()
	s, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// replies are the mails that answer a customer's mail; their subject
// says what the mail is: "[TAG] Label: SUBJECT", "【ラベル】[TAG] SUBJECT".
var replies = []string{"ack", "auto_answer", "new_after_closed", "reopened"}

// aboutNoTicket are the mails to a tier about no one ticket (a list of
// several, an address): their subject names no ticket.
var aboutNoTicket = []string{"digest", "tier_bounce"}

// labelled is the subject of mail name in lang about topic, with the
// built-in labels.
func labelled(name, lang, tag, topic string) string {
	label := DefaultLabels()[lang][name]
	if lang == "ja" {
		return "【" + label + "】[" + tag + "] " + topic
	}
	return "[" + tag + "] " + label + ": " + topic
}

func TestRender_EveryNameInBothLanguages(t *testing.T) {
	s := mustNew(t, "")
	want := []string{"ack", "auto_answer", "bounce_notice", "breach", "command_error", "copy", "digest", "forward",
		"major_ack", "major_reports", "merged", "new_after_closed", "notice", "rating_bad", "relay", "reminder", "reopened", "resolution", "tier_bounce", "tier_moved"}
	if got := strings.Join(s.Names(), ","); got != strings.Join(want, ",") {
		t.Fatalf("Names() = %s, want %s", got, strings.Join(want, ","))
	}
	for _, name := range replies {
		for _, lang := range []string{"en", "ja"} {
			m, err := s.Render(name, lang, sample)
			if err != nil {
				t.Fatalf("%s/%s: %v", name, lang, err)
			}
			if want := labelled(name, lang, "INC-1042", "Printer on 3F does not print"); m.Subject != want {
				t.Errorf("%s/%s subject = %q, want %q", name, lang, m.Subject, want)
			}
			if !strings.Contains(m.Text, "INC-1042") || !strings.Contains(m.Text, "support@example.com") {
				t.Errorf("%s/%s text lacks ticket or support address:\n%s", name, lang, m.Text)
			}
			if lang == "ja" && !strings.Contains(m.Text, "受付番号") {
				t.Errorf("%s/ja text is not Japanese:\n%s", name, m.Text)
			}
			if strings.Contains(m.Text, "<no value>") || strings.Contains(m.HTML, "<no value>") {
				t.Errorf("%s/%s rendered a missing value", name, lang)
			}
		}
	}
}

func TestRender_ContentPerTemplate(t *testing.T) {
	s := mustNew(t, "")
	cases := []struct{ name, lang, want string }{
		{"ack", "en", "reference INC-1042"},
		{"ack", "ja", "お問い合わせいただき、誠にありがとうございます"},
		{"ack", "ja", "Hanako Yamada 様"},
		{"auto_answer", "en", "Open tray 2 and remove the jammed paper."},
		{"auto_answer", "en", "no reply is needed"},
		{"auto_answer", "ja", "ご返信には及びません"},
		{"auto_answer", "ja", "Q：The printer shows error E-02"},
		{"new_after_closed", "en", "earlier request INC-0999"},
		{"new_after_closed", "ja", "受付番号 INC-0999"},
		{"reopened", "ja", "再開いたしました"},
	}
	for _, c := range cases {
		m, err := s.Render(c.name, c.lang, sample)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(m.Text, c.want) {
			t.Errorf("%s/%s text lacks %q:\n%s", c.name, c.lang, c.want, m.Text)
		}
	}
}

func TestRender_UnknownLanguageFallsBackToEnglish(t *testing.T) {
	s := mustNew(t, "")
	en, _ := s.Render("ack", "en", sample)
	for _, lang := range []string{"de", "", "JA-jp"} {
		m, err := s.Render("ack", lang, sample)
		if err != nil {
			t.Fatal(err)
		}
		if m != en {
			t.Errorf("lang %q did not fall back to English", lang)
		}
	}
}

func TestRender_UnknownNameIsAnError(t *testing.T) {
	s := mustNew(t, "")
	if _, err := s.Render("nope", "en", sample); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("err = %v, want unknown template naming it", err)
	}
}

func TestRender_SubjectDoesNotStackReOrTags(t *testing.T) {
	s := mustNew(t, "")
	cases := map[string]string{
		"Re: RE: Printer":              "[INC-1042] Received: Printer",
		"[INC-1042] Re: Printer":       "[INC-1042] Received: Printer",
		"Re: [INC-1042] Re: Printer":   "[INC-1042] Received: Printer",
		"AW: Fwd: Printer":             "[INC-1042] Received: Printer",
		"返信: Printer":                  "[INC-1042] Received: Printer",
		"Re[2]: Printer":               "[INC-1042] Received: Printer",
		"Re: [INC-0999] Printer again": "[INC-1042] Received: Printer again",
		"Regarding the printer":        "[INC-1042] Received: Regarding the printer",
		"":                             "[INC-1042] We have received your request",
		"Re:":                          "[INC-1042] We have received your request",
	}
	for in, want := range cases {
		d := sample
		d.Subject = in
		m, err := s.Render("ack", "en", d)
		if err != nil {
			t.Fatal(err)
		}
		if m.Subject != want {
			t.Errorf("subject %q → %q, want %q", in, m.Subject, want)
		}
	}
}

func TestRender_SubjectWithInjectedHeaderStaysOneLine(t *testing.T) {
	s := mustNew(t, "")
	d := sample
	d.Subject = "Help\r\nBcc: x@evil.example\x00\u2028\u200e more"
	d.Name = "Eve\r\nBcc: y@evil.example"
	for _, name := range s.Names() {
		for _, lang := range []string{"en", "ja"} {
			m, err := s.Render(name, lang, d)
			if err != nil {
				t.Fatal(err)
			}
			if strings.IndexFunc(m.Subject, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' }) >= 0 {
				t.Errorf("%s/%s subject has a control character: %q", name, lang, m.Subject)
			}
			if slices.Contains(aboutNoTicket, name) {
				continue
			}
			if !strings.Contains(m.Subject, "[INC-1042] ") || !strings.HasSuffix(m.Subject, "Help Bcc: x@evil.example more") {
				t.Errorf("%s/%s subject = %q", name, lang, m.Subject)
			}
			if want := labelled(name, lang, "INC-1042", "Help Bcc: x@evil.example more"); slices.Contains(replies, name) && m.Subject != want {
				t.Errorf("%s/%s subject = %q, want %q", name, lang, m.Subject, want)
			}
		}
	}
}

func TestRender_HTMLEscapesCustomerText(t *testing.T) {
	s := mustNew(t, "")
	d := sample
	d.Subject = `<script>alert(1)</script>`
	d.Name = `<img src=x onerror=alert(2)>`
	d.Answer = `Use <b>this</b> & that`
	for _, lang := range []string{"en", "ja"} {
		for _, name := range []string{"ack", "auto_answer"} {
			m, err := s.Render(name, lang, d)
			if err != nil {
				t.Fatal(err)
			}
			if m.HTML == "" {
				t.Fatalf("%s/%s has no HTML", name, lang)
			}
			if strings.Contains(m.HTML, "<script>") || strings.Contains(m.HTML, "<img") || strings.Contains(m.HTML, "<b>this") {
				t.Errorf("%s/%s HTML not escaped:\n%s", name, lang, m.HTML)
			}
			if name == "ack" && !strings.Contains(m.HTML, "&lt;script&gt;") {
				t.Errorf("%s/%s HTML lacks the escaped subject:\n%s", name, lang, m.HTML)
			}
			// The text alternative is plain text: it keeps the characters.
			if name == "ack" && !strings.Contains(m.Text, "<script>alert(1)</script>") {
				t.Errorf("%s/%s text altered the subject:\n%s", name, lang, m.Text)
			}
		}
	}
}

func TestNew_OverrideDirWins(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "ack.en.txt", "Subject: [{{.Ticket}}] Custom ack\n\nCustom body for {{.Ticket}}.\n")
	write(t, dir, "survey.en.txt", "Subject: [{{.Ticket}}] How did we do?\n\nPlease rate us.\n")
	s := mustNew(t, dir)

	m, err := s.Render("ack", "en", sample)
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "[INC-1042] Custom ack" || m.Text != "Custom body for INC-1042.\n" {
		t.Errorf("override not used: %+v", m)
	}
	if m.HTML != "" {
		t.Errorf("embedded HTML kept beside an overridden text: %q", m.HTML)
	}
	ja, err := s.Render("ack", "ja", sample)
	if err != nil || !strings.Contains(ja.Text, "受付番号") {
		t.Errorf("embedded ja ack should stay: %v %q", err, ja.Text)
	}
	if _, err := s.Render("survey", "ja", sample); err != nil {
		t.Errorf("new template from the dir: %v", err)
	}
}

// The partials are parsed once per language and every mail template is
// parsed into a clone of them: a block one mail's body redefines stays in
// that body (its subject is parsed apart, as before), and the other mails
// keep the partial's.
func TestNew_ABlockRedefinedInOneMailStaysInIt(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "ack.en.txt", "Subject: {{template \"greeting\" .}}\n\n{{define \"greeting\"}}Howdy{{end}}{{template \"greeting\" .}}\n")
	s := mustNew(t, dir)
	m, err := s.Render("ack", "en", sample)
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Hello Hanako Yamada," || m.Text != "Howdy\n" {
		t.Errorf("the mail's own block not used: %+v", m)
	}
	for _, name := range []string{"reopened", "resolution"} {
		m, err := s.Render(name, "en", sample)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(m.Text, "Howdy") || !strings.Contains(m.Text, "Hello") {
			t.Errorf("%s took another mail's block: %q", name, m.Text)
		}
	}
}

func TestNew_BrokenOverrideNamesTheFile(t *testing.T) {
	cases := map[string]string{
		"reopened.ja.txt": "Subject: [{{.Ticket}}] x\n\n{{if .Name}}unclosed\n",
		"ack.en.html":     "<p>{{.Ticket</p>",
		"ack.ja.txt":      "no subject line\n",
	}
	for file, content := range cases {
		dir := t.TempDir()
		write(t, dir, file, content)
		_, err := New(dir)
		if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, file)) {
			t.Errorf("%s: err = %v, want one naming the file", file, err)
		}
	}
}

func TestNew_MissingOverrideDirIsAnError(t *testing.T) {
	if _, err := New(filepath.Join(t.TempDir(), "absent")); err == nil {
		t.Fatal("want an error for a missing directory")
	}
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// deskMails are the mails of a ticket's life after the acknowledgement:
// to a tier's agents, and to the customer around an agent's words.
var deskMails = []string{"notice", "reminder", "breach", "relay", "resolution", "forward", "copy", "command_error", "bounce_notice", "tier_moved"}

// full fills every field, as the desk would for the busiest mail.
var full = Data{
	Ticket:         "INC-1042",
	Subject:        "Printer on 3F does not print",
	Name:           "Hanako Yamada",
	SupportAddress: "support@example.com",
	Priority:       "P3",
	Status:         "escalated",
	Type:           "incident",
	Tier:           "L1",
	Assignee:       "alice@example.com",
	Requester:      "Hanako Yamada <hanako@example.com>",
	RespondDue:     "Tue, 1 Dec 2026 10:30 JST",
	ResolveDue:     "Tue, 1 Dec 2026 14:30 JST",
	Reason:         Reason{Code: ReasonFAQSuggested, Key: "printer-e02", Confidence: "0.72"},
	Text:           "The printer shows E-02 since this morning.\n\nI switched it off and on.",
	Note:           "Called the customer: it is tray 2.",
	Attachments: []AttachmentInfo{
		{Name: "panel.jpg", Size: "121 KB", Attached: true},
		{Name: "spool-dump.zip", Size: "48 MB", Attached: false},
	},
	Suggestions: []SuggestionInfo{
		{Key: "printer-e02", Question: "The printer shows error E-02", Confidence: "72%"},
		{Key: "printer-jam", Question: "Paper is jammed in the printer", Confidence: "41%"},
	},
	Agent:            "Alice Smith <alice@example.com>",
	From:             "Taro Sato <taro@example.com>",
	FromRole:         "participant",
	ReplyAddress:     "support+k3j4h5g6@example.com",
	ReopenDays:       3,
	Errors:           []string{`line 1 "#priority P9": want P1 to P5`, `line 2 "#frobnicate": unknown command`},
	Applied:          []Reason{{Code: ActionTake, Agent: "alice@example.com"}, {Code: ActionPriority, Priority: "P2"}},
	Target:           "respond",
	Due:              "Tue, 1 Dec 2026 10:30 JST",
	TimeLeft:         "8m",
	NextTier:         "L2",
	BounceRecipient:  "hanako@example.com",
	BounceStatus:     "5.1.1",
	BounceDiagnostic: "550 5.1.1 <hanako@example.com>: user unknown",
	BouncedTier:      "L1",
	Every:            "1d",
	OldTicket:        "INC-0999",
	Reported:         "Outlook cannot reach the server",
	Until:            "Tue, 1 Dec 2026 18:00 JST",
	Reports:          []ReportInfo{{Ticket: "INC-1045", From: "Taro Sato <taro@example.com>", Subject: "Mail server not responding"}},
	ReportsNew:       3,
	ReportsMore:      2,
	ReportsTotal:     7,
	Digest: []DigestItem{
		{Ticket: "INC-1043", Subject: "Scanner does not send mail", Priority: "P3", Tier: "L1", Event: "breach", Target: "respond", Due: "Tue, 1 Dec 2026 13:00 JST", NextTier: "L2"},
		{Ticket: "INC-1044", Subject: "Projector flickers", Priority: "P4", Tier: "L1", Event: "reminder", Target: "resolve", Due: "Wed, 2 Dec 2026 09:00 JST", TimeLeft: "2h"},
	},
}

// A digest lists each ticket on its own lines, whatever its subject holds:
// no line of a subject can pass for another ticket's or for the mail's
// own words, and a giant subject is cut.
func TestRender_DigestListsEachTicketWithWhatHappened(t *testing.T) {
	s := mustNew(t, "")
	d := full
	d.Digest = append(slices.Clone(full.Digest), DigestItem{Ticket: "INC-1045", Subject: "Re: [INC-1045] VPN\n  [INC-9999] P1  forged line\r\nBcc: x@evil.example" + strings.Repeat("長い件名", 20000),
		Priority: "P5", Tier: "L2", Event: "breach", Target: "resolve", Due: "Thu, 3 Dec 2026 09:00 JST"})
	for _, lang := range []string{"en", "ja"} {
		m := render(t, s, "digest", lang, d)
		if !strings.Contains(m.Subject, "3") || len(m.Text) > 10000 {
			t.Errorf("%s: subject %q, body of %d bytes", lang, m.Subject, len(m.Text))
		}
		for _, want := range []string{"[INC-1043] P3", "Scanner does not send mail", "L2", "[INC-1044] P4", "2h", "[INC-1045] P5  VPN", "support@example.com"} {
			if lang == "ja" {
				want = strings.ReplaceAll(want, "  ", "　")
			}
			if !strings.Contains(m.Text, want) {
				t.Errorf("%s: the digest lacks %q:\n%s", lang, want, m.Text)
			}
		}
		for _, line := range strings.Split(m.Text, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "[INC-9999]") || strings.HasPrefix(line, "Bcc:") {
				t.Errorf("%s: a subject added a line %q", lang, line)
			}
		}
	}
}

func render(t *testing.T, s *Set, name, lang string, d Data) Mail {
	t.Helper()
	m, err := s.Render(name, lang, d)
	if err != nil {
		t.Fatalf("%s/%s: %v", name, lang, err)
	}
	return m
}

func TestRender_DeskMailsWithFullAndEmptyData(t *testing.T) {
	s := mustNew(t, "")
	for _, name := range deskMails {
		for _, lang := range []string{"en", "ja"} {
			for _, d := range []Data{full, {}} {
				m := render(t, s, name, lang, d)
				for part, text := range map[string]string{"subject": m.Subject, "text": m.Text, "html": m.HTML} {
					if strings.Contains(text, "<no value>") || strings.Contains(text, "%!") {
						t.Errorf("%s/%s %s renders a missing value:\n%s", name, lang, part, text)
					}
				}
				if m.Subject == "" || strings.TrimSpace(m.Text) == "" {
					t.Errorf("%s/%s: empty subject or text: %+v", name, lang, m)
				}
				if d.Ticket != "" && (!strings.Contains(m.Subject, "[INC-1042]") || !strings.Contains(m.Text, "INC-1042")) {
					t.Errorf("%s/%s lacks the ticket tag: %q\n%s", name, lang, m.Subject, m.Text)
				}
				if d.Ticket == "" && strings.Contains(m.Subject, "[]") {
					t.Errorf("%s/%s subject has an empty tag: %q", name, lang, m.Subject)
				}
			}
		}
	}
}

func TestRender_DeskMailsSayWhatTheyAreFor(t *testing.T) {
	s := mustNew(t, "")
	cases := []struct {
		name, lang string
		want       []string
	}{
		{"notice", "en", []string{"Escalated to L1: Printer on 3F", "Hello L1 team,", "Priority:     P3", "Type:         incident",
			"Status:       escalated", "Requester:    Hanako Yamada <hanako@example.com>", "Respond by:   Tue, 1 Dec 2026 10:30 JST",
			"Resolve by:   Tue, 1 Dec 2026 14:30 JST", "> The printer shows E-02 since this morning.\n>\n> I switched it off and on.",
			"panel.jpg (121 KB): attached", "spool-dump.zip (48 MB): too large to attach", "printer-e02 (confidence 72%)",
			"Q: The printer shows error E-02", "support+k3j4h5g6@example.com", "#answer KEY"}},
		{"notice", "ja", []string{"L1 対応依頼：Printer on 3F", "L1 ご担当者各位", "優先度　　　：P3", "種別　　　　：インシデント",
			"ステータス　：エスカレーション済み", "依頼者　　　：Hanako Yamada <hanako@example.com>", "初回応答期限：Tue, 1 Dec 2026 10:30 JST",
			"> The printer shows E-02 since this morning.", "panel.jpg（121 KB）：添付しています", "spool-dump.zip（48 MB）：サイズが大きいため添付していません",
			"printer-e02（確信度 72%）", "Q：The printer shows error E-02", "support+k3j4h5g6@example.com", "ご対応をお願いいたします"}},
		{"reminder", "en", []string{"First response due soon", "Target:       first response", "Due:          Tue, 1 Dec 2026 10:30 JST", "Time left:    8m"}},
		{"reminder", "ja", []string{"初回応答期限が近づいています", "対象　　　　：初回応答", "残り時間　　：8m"}},
		{"breach", "en", []string{"First response overdue", "missed its first response target: it was due Tue, 1 Dec 2026 10:30 JST", "escalated to L2", "Tier:         L2 (escalated from L1)"}},
		{"breach", "ja", []string{"初回応答期限を超過しました", "期限　　　　：Tue, 1 Dec 2026 10:30 JST", "L2 へエスカレーションされました", "担当チーム　：L2（L1 からエスカレーション）"}},
		{"relay", "en", []string{"Hello Hanako Yamada,", "Our support team has replied to your request INC-1042", "Please keep the tag [INC-1042] in the subject"}},
		{"relay", "ja", []string{"Hanako Yamada 様", "サポート担当者より", "件名の [INC-1042] は削除・変更せずに"}},
		{"resolution", "en", []string{"Resolved: Printer on 3F", "We have resolved your request INC-1042", "within 3 days and we will reopen", "reply still reaches our"}},
		{"resolution", "ja", []string{"【対応完了】[INC-1042] Printer on 3F", "対応が完了いたしました", "3日以内にこのメールへそのままご返信ください", "ご返信には及びません", "※本メールはシステムより自動送信しておりますが"}},
		{"forward", "en", []string{"Participant replied: Printer", "Taro Sato <taro@example.com> (a participant", "> I switched it off and on.", "spool-dump.zip (48 MB)", "How to act by reply"}},
		{"forward", "ja", []string{"関係者からのご返信：Printer", "差出人　　　：Taro Sato <taro@example.com>（依頼者のメールの宛先・CC に含まれていた方）", "> I switched it off and on.", "■ 返信による対応方法"}},
		{"copy", "en", []string{"Answered: Printer", "Alice Smith <alice@example.com> has answered the customer", "  #take: assigned to alice@example.com\n  #priority: P2", "> I switched it off and on.", "Internal note (not sent to the customer):\n\n> Called the customer: it is tray 2."}},
		{"copy", "ja", []string{"お客様へ回答しました：Printer", "Alice Smith <alice@example.com> がお客様へ回答しました", "■ 実行されたコマンド\n\n  #take：alice@example.com を担当者に設定しました\n  #priority：優先度を P2 に変更しました", "■ 社内メモ（お客様には送信されていません）\n\n> Called the customer: it is tray 2."}},
		{"command_error", "en", []string{"command error", "some of its commands have errors", "Nothing was sent to the customer", `  - line 1 "#priority P9": want P1 to P5`, `  - line 2 "#frobnicate": unknown command`}},
		{"command_error", "ja", []string{"コマンドエラー", "お客様には何も送信されておらず", `  ・line 1 "#priority P9": want P1 to P5`}},
		{"bounce_notice", "en", []string{"Undeliverable to the customer", "Recipient:    hanako@example.com", "Status:       5.1.1", "Diagnostic:   550 5.1.1 <hanako@example.com>: user unknown"}},
		{"bounce_notice", "ja", []string{"お客様宛てのメールが届きませんでした", "宛先　　　　：hanako@example.com", "ステータス　：5.1.1", "エラー内容　：550 5.1.1"}},
		{"tier_moved", "en", []string{"Not carried out, the ticket has moved to L2", "moved\nfrom L1 to L2", "Nothing was sent to the customer", "Tier:         L2 (was L1)"}},
		{"tier_moved", "ja", []string{"担当チームがL2に変わったため処理されませんでした", "L1 から L2 に移っており", "お客様には何も送信されておらず", "担当チーム　：L2（移動前：L1）"}},
		{"merged", "en", []string{"[INC-1042] Joined: Printer on 3F", "Your request INC-0999 (\"Outlook cannot reach the server\")\nis about the same matter as request INC-1042",
			"continues as INC-1042", "tell you\nwhen it is resolved", "Our support team writes:\n\nThe printer shows E-02"}},
		{"merged", "ja", []string{"【統合のご連絡】[INC-1042] Printer on 3F", "受付番号 INC-0999「Outlook cannot reach the server」のお問い合わせは", "今後は受付番号 INC-1042 としてご連絡いたします"}},
		{"major_ack", "en", []string{"[INC-1042] Received: Printer on 3F", "Thank you for your report (\"Outlook cannot reach the server\")", "Reference:    INC-1042",
			"tell you when it is resolved", "If your problem is a different one"}},
		{"major_ack", "ja", []string{"【受付完了】[INC-1042] Printer on 3F", "受付番号：INC-1042", "解決いたしましたらご連絡いたします", "別の件でお困りの場合"}},
		{"major_reports", "en", []string{"[INC-1042] 3 new reports attached: Printer on 3F", "3 new mails were attached to major incident INC-1042", "(7 in all)",
			"  - INC-1045  Taro Sato <taro@example.com>\n    Mail server not responding", "… and 2 more: madoguchi tickets show INC-1042",
			"attach to INC-1042 until Tue, 1 Dec 2026 18:00 JST", "#resolve tells every reporter"}},
		{"major_reports", "ja", []string{"[INC-1042] 新しい報告 3 件を関連付けました：Printer on 3F", "新しいメール 3 件を", "合計 7 件", "・INC-1045　Taro Sato <taro@example.com>",
			"ほか 2 件", "Tue, 1 Dec 2026 18:00 JST まで INC-1042 に関連付けます"}},
	}
	for _, c := range cases {
		m := render(t, s, c.name, c.lang, full)
		all := m.Subject + "\n" + m.Text
		for _, w := range c.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s/%s lacks %q:\n%s", c.name, c.lang, w, all)
			}
		}
	}
}

func TestRender_UrgentNoticePutsThePriorityFirst(t *testing.T) {
	s := mustNew(t, "")
	cases := []struct{ prio, lang, want string }{
		{"P1", "en", "[P1] [INC-1042] Escalated to L1: Printer on 3F does not print"},
		{"P2", "en", "[P2] [INC-1042] Escalated to L1: Printer on 3F does not print"},
		{"P3", "en", "[INC-1042] Escalated to L1: Printer on 3F does not print"},
		{"P5", "en", "[INC-1042] Escalated to L1: Printer on 3F does not print"},
		{"P1", "ja", "【P1】[INC-1042] L1 対応依頼：Printer on 3F does not print"},
		{"P2", "ja", "【P2】[INC-1042] L1 対応依頼：Printer on 3F does not print"},
		{"P4", "ja", "[INC-1042] L1 対応依頼：Printer on 3F does not print"},
	}
	for _, c := range cases {
		d := full
		d.Priority = c.prio
		m := render(t, s, "notice", c.lang, d)
		if m.Subject != c.want {
			t.Errorf("%s/%s subject = %q, want %q", c.prio, c.lang, m.Subject, c.want)
		}
		urgent := map[string]string{"en": "please pick it up right away", "ja": "至急ご対応をお願いいたします"}[c.lang]
		if got := strings.Contains(m.Text, urgent); got != (c.prio == "P1" || c.prio == "P2") {
			t.Errorf("%s/%s: says %q = %v", c.prio, c.lang, urgent, got)
		}
	}
}

func TestRender_RelayKeepsTheAgentsTextVerbatim(t *testing.T) {
	s := mustNew(t, "")
	text := "Hello Hanako,\n\n  1. Open tray 2 <b>carefully</b> & remove the paper.\n  2. Press OK.   \n\n{{.Ticket}} -- \"quoted\" 100%\n> not a quote of ours\n\tTabbed line"
	for _, lang := range []string{"en", "ja"} {
		d := full
		d.Text = text
		m := render(t, s, "relay", lang, d)
		if !strings.Contains(m.Text, "\n\n"+text+"\n\n") {
			t.Errorf("relay/%s does not carry the text verbatim on lines of its own:\n%s", lang, m.Text)
		}
		if m.Subject != "[INC-1042] Re: Printer on 3F does not print" {
			t.Errorf("relay/%s subject = %q", lang, m.Subject)
		}
		if !strings.Contains(m.Text, "[INC-1042]") {
			t.Errorf("relay/%s does not ask to keep the tag:\n%s", lang, m.Text)
		}
		if !strings.Contains(m.HTML, "1. Open tray 2 &lt;b&gt;carefully&lt;/b&gt; &amp; remove the paper.") || !strings.Contains(m.HTML, "[INC-1042]") {
			t.Errorf("relay/%s HTML lacks the escaped text or the tag:\n%s", lang, m.HTML)
		}
	}
}

func TestRender_ResolutionSaysHowLongAReplyReopens(t *testing.T) {
	s := mustNew(t, "")
	cases := []struct {
		days       int
		lang, want string
		absent     string
	}{
		{3, "en", "within 3 days and we will reopen your request", ""},
		{1, "en", "within 1 day and we will reopen your request", ""},
		{0, "en", "reply to this mail and we will reopen your request", "within"},
		{7, "ja", "7日以内にこのメールへそのままご返信ください", ""},
		{0, "ja", "このメールへそのままご返信ください", "日以内"},
	}
	for _, c := range cases {
		d := full
		d.ReopenDays = c.days
		m := render(t, s, "resolution", c.lang, d)
		for _, part := range []string{m.Text, m.HTML} {
			flat := strings.Join(strings.Fields(part), " ")
			if !strings.Contains(flat, c.want) {
				t.Errorf("resolution/%s days=%d lacks %q:\n%s", c.lang, c.days, c.want, part)
			}
			if c.absent != "" && strings.Contains(part, c.absent) {
				t.Errorf("resolution/%s days=%d says %q:\n%s", c.lang, c.days, c.absent, part)
			}
		}
	}
	// Without the agent's words there is no empty "our team writes" block.
	d := full
	d.Text = ""
	for lang, intro := range map[string]string{"en": "Our support team writes", "ja": "対応内容を以下のとおり"} {
		m := render(t, s, "resolution", lang, d)
		if strings.Contains(m.Text, intro) || strings.Contains(m.HTML, intro) {
			t.Errorf("resolution/%s introduces a text it does not have:\n%s", lang, m.Text)
		}
	}
}

func TestRender_BreachSaysWhereTheTicketWent(t *testing.T) {
	s := mustNew(t, "")
	for _, c := range []struct {
		next, lang, want string
		howto            bool
	}{
		{"L2", "en", "It has been escalated to L2", false},
		{"", "en", "There is no further tier to escalate it to, so it stays with L1.", true},
		{"L2", "ja", "本チケットは L2 へエスカレーションされました", false},
		{"", "ja", "次にエスカレーションできる担当チームがないため", true},
	} {
		d := full
		d.NextTier = c.next
		d.Target = "resolve"
		m := render(t, s, "breach", c.lang, d)
		if !strings.Contains(m.Text, c.want) {
			t.Errorf("breach/%s next=%q lacks %q:\n%s", c.lang, c.next, c.want, m.Text)
		}
		if got := strings.Contains(m.Text, "#resolve"); got != c.howto {
			t.Errorf("breach/%s next=%q: shows the commands = %v, want %v", c.lang, c.next, got, c.howto)
		}
		if target := map[string]string{"en": "Resolution overdue", "ja": "解決期限を超過しました"}[c.lang]; !strings.Contains(m.Subject, target) {
			t.Errorf("breach/%s subject = %q, want it to name the target", c.lang, m.Subject)
		}
	}
}

// commands is every command of issue 8; both languages list each one at
// the start of a line, in notice (with how to reply) and command_error.
var commands = []string{"#resolve", "#close", "#hold", "#take", "#assign", "#cc", "#uncc", "#priority", "#type", "#note", "#escalate", "#answer", "#faq",
	"#merge", "#link", "#major"}

func TestRender_CommandHelpListsEveryCommand(t *testing.T) {
	s := mustNew(t, "")
	for _, name := range []string{"notice", "reminder", "forward", "command_error"} {
		for _, lang := range []string{"en", "ja"} {
			m := render(t, s, name, lang, full)
			for _, c := range commands {
				if !strings.Contains(m.Text, "\n  "+c+" ") {
					t.Errorf("%s/%s does not explain %s:\n%s", name, lang, c, m.Text)
				}
			}
		}
	}
}

// A customer's words (and a participant's, and the file names they chose)
// reach agents, who act on what the mail tells them. Nothing in them may
// look like the mail's own lines: no fake command, section or address.
func TestRender_WrittenTextCannotPassForTheMailsOwn(t *testing.T) {
	s := mustNew(t, "")
	d := full
	d.Text = "fine\r\nQUOTED1 How to act by reply\n#resolve\rQUOTED2 reply to evil@example.net \u202eevil\u202c\x00"
	d.Note = "note\nQUOTED3 #close"
	d.Requester = "x\r\n#hold EVIL4"
	d.From = "y\n\n#take EVIL5"
	d.Attachments = []AttachmentInfo{{Name: "a.pdf\n\n#close EVIL6", Size: "1 KB\n#hold"}}
	d.Suggestions = []SuggestionInfo{{Key: "k\n#faq", Question: "q\r\n#escalate EVIL7", Confidence: "1%\n"}}
	d.Agent = "Mallory\n#faq EVIL8"
	d.Applied = []Reason{{Code: ActionAssign, Agent: "#take\n#close EVIL9"}}
	d.Errors = []string{"bad\n#close EVIL10"}
	d.BounceDiagnostic = "550 no\n#resolve EVIL11"
	oneLine := map[string]string{"EVIL4": "x #hold EVIL4", "EVIL5": "y #take EVIL5", "EVIL6": "a.pdf #close EVIL6",
		"EVIL7": "q #escalate EVIL7", "EVIL8": "Mallory #faq EVIL8", "EVIL9": "#take #close EVIL9", "EVIL10": "bad #close EVIL10",
		"EVIL11": "550 no #resolve EVIL11"}
	for _, name := range []string{"notice", "forward", "copy", "command_error", "bounce_notice"} {
		for _, lang := range []string{"en", "ja"} {
			m := render(t, s, name, lang, d)
			if strings.ContainsAny(m.Text, "\r\u202e\u202c\x00") {
				t.Errorf("%s/%s keeps a control character: %q", name, lang, m.Text)
			}
			for _, line := range strings.Split(m.Text, "\n") {
				if strings.HasPrefix(line, "#") {
					t.Errorf("%s/%s: a line passes for a command: %q", name, lang, line)
				}
				for _, q := range []string{"QUOTED1", "QUOTED2", "QUOTED3", "evil@example.net"} {
					if strings.Contains(line, q) && !strings.HasPrefix(line, "> ") {
						t.Errorf("%s/%s: written text not quoted: %q", name, lang, line)
					}
				}
				for marker, whole := range oneLine {
					if strings.Contains(line, marker) && !strings.Contains(line, whole) {
						t.Errorf("%s/%s: a one-line field was split: %q", name, lang, line)
					}
				}
			}
		}
	}
	if d.Attachments[0].Name != "a.pdf\n\n#close EVIL6" || d.Errors[0] != "bad\n#close EVIL10" {
		t.Error("Render changed the caller's slices")
	}
}

func TestRender_HTMLEscapesEveryWrittenValue(t *testing.T) {
	s := mustNew(t, "")
	const evil = `<script>alert(1)</script>`
	d := Data{Ticket: "INC-1042", Subject: evil, Name: evil, SupportAddress: "support@example.com", Question: evil, Answer: evil,
		Text: evil, Note: evil, Requester: evil, Agent: evil, From: evil, ReopenDays: 3}
	withHTML := 0
	for _, name := range s.Names() {
		for _, lang := range []string{"en", "ja"} {
			m := render(t, s, name, lang, d)
			if m.HTML == "" {
				continue
			}
			withHTML++
			if strings.Contains(m.HTML, "<script") {
				t.Errorf("%s/%s HTML not escaped:\n%s", name, lang, m.HTML)
			}
			if !strings.Contains(m.HTML, "&lt;script&gt;") {
				t.Errorf("%s/%s HTML lacks the escaped value:\n%s", name, lang, m.HTML)
			}
		}
	}
	if withHTML != 8 { // ack, auto_answer, relay, resolution × en, ja
		t.Errorf("%d HTML alternatives, want 8", withHTML)
	}
}

// TestRender_EachLanguageReadsAsItself renders every template with values
// that are all English words, takes those values out again, and requires
// the rest of a Japanese mail to have no English words but the terms
// agents type or read as they are; and an English mail no Japanese.
func TestRender_EachLanguageReadsAsItself(t *testing.T) {
	s := mustNew(t, "")
	allowed := map[string]bool{"FAQ": true, "SLA": true, "Re": true, "madoguchi": true, "CC": true, "incident": true, "request": true,
		"off": true, "tickets": true, "show": true}
	word := regexp.MustCompile(`#?[A-Za-z][A-Za-z_]+`)
	values := dataValues(full)
	slices.SortFunc(values, func(a, b string) int { return len(b) - len(a) })
	for _, name := range s.Names() {
		for _, d := range []Data{full, sample} {
			ja := render(t, s, name, "ja", d)
			en := render(t, s, name, "en", d)
			rest := ja.Subject + "\n" + ja.Text + "\n" + htmlText(ja.HTML)
			for _, v := range append(values, dataValues(sample)...) {
				rest = strings.ReplaceAll(rest, v, "")
			}
			for _, w := range word.FindAllString(rest, -1) {
				if !allowed[w] && !strings.HasPrefix(w, "#") {
					t.Errorf("%s/ja has the English word %q", name, w)
				}
			}
			if i := strings.IndexFunc(en.Subject+en.Text+en.HTML, func(r rune) bool {
				return unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han)
			}); i >= 0 {
				t.Errorf("%s/en has Japanese text: %q", name, en.Text)
			}
		}
	}
}

// dataValues lists every string in d, slices included.
func dataValues(d Data) []string {
	var out []string
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.String:
			if v.String() != "" {
				out = append(out, v.String(), OneLine(v.String()))
			}
		case reflect.Struct:
			for i := range v.NumField() {
				walk(v.Field(i))
			}
		case reflect.Slice:
			for i := range v.Len() {
				walk(v.Index(i))
			}
		}
	}
	walk(reflect.ValueOf(d))
	// Text as the mails to a tier show it.
	out = append(out, strings.Split(d.Text, "\n")...)
	out = append(out, strings.Split(d.Note, "\n")...)
	return out
}

// htmlText drops the tags and the things HTML must say in English.
func htmlText(h string) string {
	h = regexp.MustCompile(`<[^>]*>`).ReplaceAllString(h, " ")
	return strings.NewReplacer("&ldquo;", "", "&rdquo;", "", "&amp;", "", "&lt;", "", "&gt;", "").Replace(h)
}

func TestRender_StatusAndTypeInTheMailsLanguage(t *testing.T) {
	s := mustNew(t, "")
	cases := []struct{ status, typ, lang, wantStatus, wantType string }{
		{"in_progress", "service_request", "en", "Status:       in progress", "Type:         service request"},
		{"on_hold", "request", "en", "Status:       on hold", "Type:         service request"},
		{"in_progress", "service_request", "ja", "ステータス　：対応中", "種別　　　　：サービス要求"},
		{"on_hold", "incident", "ja", "ステータス　：保留中", "種別　　　　：インシデント"},
		{"resolved", "incident", "ja", "ステータス　：解決済み", "種別　　　　：インシデント"},
		{"someday", "other", "ja", "ステータス　：someday", "種別　　　　：other"},
	}
	for _, c := range cases {
		d := full
		d.Status, d.Type = c.status, c.typ
		m := render(t, s, "notice", c.lang, d)
		if !strings.Contains(m.Text, c.wantStatus) || !strings.Contains(m.Text, c.wantType) {
			t.Errorf("notice/%s %s/%s: want %q and %q:\n%s", c.lang, c.status, c.typ, c.wantStatus, c.wantType, m.Text)
		}
	}
}

func TestNew_PartialsCanBeOverriddenAndFallBackToEnglish(t *testing.T) {
	dir := t.TempDir()
	// A partial of one's own, loaded after the embedded ones, redefines a block.
	write(t, dir, "_site.ja.txt", "{{define \"signature\"}}--\n株式会社例 情報システム部\n{{.SupportAddress}}{{end}}")
	write(t, dir, "_site.en.html", "{{define \"signature\"}}<p>-- Example Corp IT</p>{{end}}")
	// A language with no partials of its own uses the English blocks.
	write(t, dir, "relay.de.txt", "Subject: {{template \"tag\" .}}Antwort\n\n{{.Text}}\n\n{{template \"commands\"}}\n{{template \"signature\" .}}\n")
	s := mustNew(t, dir)

	ja := render(t, s, "relay", "ja", full)
	if !strings.Contains(ja.Text, "株式会社例 情報システム部") || strings.Contains(ja.Text, "サポート窓口") {
		t.Errorf("ja relay did not take the overriding signature:\n%s", ja.Text)
	}
	if !strings.Contains(ja.HTML, "サポート窓口") {
		t.Errorf("ja relay HTML should keep its own signature:\n%s", ja.HTML)
	}
	en := render(t, s, "relay", "en", full)
	if !strings.Contains(en.HTML, "-- Example Corp IT") || !strings.Contains(en.Text, "Support desk") {
		t.Errorf("en relay: HTML signature not overridden, or text one lost:\n%s\n%s", en.Text, en.HTML)
	}
	de := render(t, s, "relay", "de", full)
	if de.Subject != "[INC-1042] Antwort" || !strings.Contains(de.Text, "  #resolve ") || !strings.Contains(de.Text, "Support desk") {
		t.Errorf("de relay did not fall back to the English blocks: %q\n%s", de.Subject, de.Text)
	}

	// Replacing an embedded partial file replaces all of its blocks, and
	// does not drop the HTML partial of the same name.
	dir2 := t.TempDir()
	all, err := embedded.ReadFile("files/_common.en.txt")
	if err != nil {
		t.Fatal(err)
	}
	write(t, dir2, "_common.en.txt", strings.Replace(string(all), "Support desk (madoguchi)", "IT Helpdesk", 1))
	s2 := mustNew(t, dir2)
	if m := render(t, s2, "notice", "en", full); !strings.Contains(m.Text, "IT Helpdesk") {
		t.Errorf("overriding _common.en.txt not used:\n%s", m.Text)
	}
	if m := render(t, s2, "relay", "en", full); !strings.Contains(m.HTML, "Support desk") {
		t.Errorf("overriding _common.en.txt dropped _common.en.html:\n%s", m.HTML)
	}
}

func TestNew_BrokenPartialNamesTheFile(t *testing.T) {
	for file, content := range map[string]string{
		"_x.ja.txt":  "{{define \"signature\"}}{{if .Name}}{{end}",
		"_x.en.html": "{{define \"signature\"}}<p>{{.Name</p>{{end}}",
	} {
		dir := t.TempDir()
		write(t, dir, file, content)
		_, err := New(dir)
		if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, file)) {
			t.Errorf("%s: err = %v, want one naming the file", file, err)
		}
	}
}
