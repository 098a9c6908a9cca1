package responder

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/registry"
)

func TestCleanQuery_RemovesBoilerplateKeepsQuestion(t *testing.T) {
	cases := []struct {
		name, subject, body string
		want                []string // must remain
		gone                []string // must be removed
	}{
		{"japanese set phrases", "", "いつもお世話になっております。\nVPNに接続できません。\nよろしくお願いいたします。",
			[]string{"VPNに接続できません"}, []string{"お世話", "よろしく"}},
		{"osewa and otsukare", "", "お世話になっております。お疲れ様です。プリンターが動きません。よろしくお願いします。",
			[]string{"プリンターが動きません"}, []string{"お世話", "お疲れ", "よろしく"}},
		{"english greeting and sign-off", "", "Hi John,\nHow do I reset my password?\n\nThanks,\nMary Smith\nACME Corp\n+81 3 1234",
			[]string{"How do I reset my password?"}, []string{"Hi John", "Thanks", "Mary", "ACME"}},
		{"dear and best regards", "", "Dear support team,\nOutlook crashes on start.\nBest regards\nBob",
			[]string{"Outlook crashes on start."}, []string{"Dear", "regards", "Bob"}},
		{"sincerely", "", "Hello,\nThe printer is offline.\nSincerely,\nAnn", []string{"printer is offline"}, []string{"Hello", "Sincerely", "Ann"}},
		{"dash-dash signature", "", "My VPN drops every hour.\n-- \nTaro Yamada\nIT dept", []string{"VPN drops"}, []string{"Taro", "IT dept"}},
		{"english disclaimer", "", "Wi-Fi is slow today.\n\nThis e-mail and any attachments are confidential and intended solely for the addressee.",
			[]string{"Wi-Fi is slow"}, []string{"confidential"}},
		{"japanese disclaimer", "", "共有フォルダにアクセスできません。\n本メールは機密情報を含む場合があります。誤送信の場合は削除してください。",
			[]string{"共有フォルダにアクセスできません"}, []string{"機密", "誤送信"}},
		{"japanese addressee", "", "情報システム部 御中\nメールが送れません。", []string{"メールが送れません"}, []string{"御中"}},
		{"subject prefixes and tags", "Re: Fwd: AW: [INC-123] VPN error", "", []string{"VPN error"}, []string{"Re:", "Fwd", "AW:", "INC-123"}},
		{"japanese self-introduction", "", "お世話になっております。営業部の山田です。\nVPNに接続できません。", []string{"VPNに接続できません"}, []string{"山田", "営業部"}},
		{"japanese self-introduction with to moushimasu", "", "株式会社サンプルの田中と申します。プリンターが印刷しません。", []string{"プリンターが印刷しません"}, []string{"田中", "申します"}},
		{"english self-introduction", "", "Hello,\nMy name is Ann Lee from Sales. Outlook crashes on start.\nThanks", []string{"Outlook crashes on start."}, []string{"Ann", "Sales"}},
		{"problem stated with desu is kept", "", "エラーです。画面が真っ白です。", []string{"エラーです", "画面が真っ白です"}, nil},
		{"i am kept when it is the problem", "", "I am unable to log in to the VPN.", []string{"unable to log in"}, nil},
		{"a department word inside a question is kept", "", "支店のルーターを来月入れ替える予定です。VPN設定の申請先を教えてください。",
			[]string{"支店のルーターを来月入れ替える予定です", "VPN設定の申請先を教えてください"}, nil},
		{"a department and a desu later in the sentence are kept", "", "営業部のプリンターが使えないのですが、どこに連絡すればいいですか。",
			[]string{"営業部のプリンターが使えない"}, nil},
		{"this is urgent is kept", "", "This is urgent. I'm stuck.\nThe VPN drops.", []string{"This is urgent.", "I'm stuck.", "The VPN drops."}, nil},
		{"this is a name", "", "This is Bob Smith from Finance. The VPN drops.", []string{"The VPN drops."}, []string{"Bob", "Finance"}},
		{"japanese subject prefixes", "回答: 転送: 【INC-9】パスワード再設定", "", []string{"パスワード再設定"}, []string{"回答", "転送", "INC-9"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := CleanQuery(c.subject, c.body)
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("CleanQuery lost %q: %q", w, got)
				}
			}
			for _, g := range c.gone {
				if strings.Contains(got, g) {
					t.Errorf("CleanQuery kept %q: %q", g, got)
				}
			}
		})
	}
}

func TestCleanQuery_LongMailKeepsQuestionSentences(t *testing.T) {
	filler := strings.Repeat("昨日から社内のいくつかの部署で同じような現象が起きていると聞いています。", 20)
	body := "メールの送信に時間がかかります。" + filler + "添付ファイルの上限は何MBですか？" + filler
	got := CleanQuery("", body)
	if n := len([]rune(got)); n > maxQueryRunes {
		t.Fatalf("cleaned query has %d runes, limit %d", n, maxQueryRunes)
	}
	for _, w := range []string{"メールの送信に時間がかかります", "添付ファイルの上限は何MBですか？"} {
		if !strings.Contains(got, w) {
			t.Errorf("long mail lost %q", w)
		}
	}
}

func TestCleanQuery_RepeatedSentencesCountOnce(t *testing.T) {
	body := strings.Repeat("The shared drive disconnects every few minutes. ", 15) + "\nHow do I fix it?"
	got := CleanQuery("Shared drive", body)
	if n := strings.Count(got, "The shared drive disconnects"); n != 1 {
		t.Fatalf("repeated sentence kept %d times: %q", n, got)
	}
	if !strings.Contains(got, "How do I fix it?") {
		t.Fatalf("question after the repetition lost: %q", got)
	}
	ja := CleanQuery("", strings.Repeat("共有フォルダーに接続できなくなります。", 20))
	if ja != "共有フォルダーに接続できなくなります。" {
		t.Fatalf("japanese repetition: %q", ja)
	}
}

func TestCleanQuery_ThanksInsideASentenceIsKept(t *testing.T) {
	got := CleanQuery("", "Thanks for the quick fix last week, but the VPN drops again since this morning.")
	if !strings.Contains(got, "VPN drops") {
		t.Fatalf("sentence starting with Thanks was cut: %q", got)
	}
}

func TestAnalyzer_WidthAndScriptRuns(t *testing.T) {
	a, err := newMixedAnalyzer(testCache(t), true)
	if err != nil {
		t.Fatal(err)
	}
	terms := func(s string) []string {
		var out []string
		for _, tok := range a.Analyze([]byte(s)) {
			out = append(out, string(tok.Term))
		}
		return out
	}
	if a, b := terms("ＰＣ"), terms("pc"); strings.Join(a, " ") != strings.Join(b, " ") || strings.Join(a, " ") != "pc" {
		t.Errorf("ＰＣ → %v, pc → %v, want [pc]", a, b)
	}
	if a, b := terms("ﾊﾟｽﾜｰﾄﾞ"), terms("パスワード"); strings.Join(a, " ") != strings.Join(b, " ") {
		t.Errorf("ﾊﾟｽﾜｰﾄﾞ → %v, パスワード → %v", a, b)
	}
	got := strings.Join(terms("Outlook password resetting パスワード再設定"), " ")
	for _, w := range []string{"outlook", "password", "reset", "パスワード", "設定"} {
		if !strings.Contains(got, w) {
			t.Errorf("mixed text terms %q lack %q", got, w)
		}
	}
}

func testCache(t *testing.T) *registry.Cache {
	t.Helper()
	return registry.NewCache()
}

// removeIfAny skips the Japanese set phrases and self-introductions only
// where they cannot match: on every line of the English development set
// and of mail-like Japanese text it removes what the regexps remove.
func TestCleanQuery_SkippingLinesWithoutTheWordsChangesNothing(t *testing.T) {
	lines := []string{
		"いつもお世話になっております。営業部の山田です。",
		"山田と申します。プリンターが動きません。",
		"お疲れ様です！会議室のプロジェクターが映りません。何卒よろしくお願い申し上げます。",
		"突然のご連絡失礼いたします。ご確認のほどよろしくお願いいたします。",
		"総務部の佐藤です 共有フォルダーに入れません",
		"I'm Ken from Sales. The shared drive on floor 3 disconnects every few minutes.",
		strings.Repeat("The shared drive disconnects and Outlook asks for the password again. ", 30),
		strings.Repeat("共有フォルダーに数分ごとに接続できなくなります。", 30),
	}
	raw, err := os.ReadFile("testdata/itfaq-en/queries-dev.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	lines = append(lines, strings.Split(string(raw), "\n")...)
	for _, line := range lines {
		for _, c := range []struct {
			re    *regexp.Regexp
			words []string
		}{{jaPhraseRe, jaPhraseWords}, {jaSelfIntroRe, jaSelfIntroWords}} {
			if got, want := removeIfAny(c.re, line, c.words...), c.re.ReplaceAllString(line, ""); got != want {
				t.Errorf("removeIfAny(%s, %q) = %q; the regexp alone gives %q", c.re, line, got, want)
			}
		}
	}
}

// collapseSpaces does what the regexp [ \t\x{3000}]+ → " " did.
func TestCollapseSpaces_IsTheRegexpsReplacement(t *testing.T) {
	re := regexp.MustCompile(`[ \t\x{3000}]+`)
	for _, s := range []string{
		"", " ", "a", "a b", "a  b", "a\tb", "a \t b", "プリンター\u3000が　　動かない", "\u3000", "  lead", "trail \t",
		"one two three", "x\u3000", "日本語 と English\t\tmixed",
	} {
		if got, want := collapseSpaces(s), re.ReplaceAllString(s, " "); got != want {
			t.Errorf("collapseSpaces(%q) = %q, want %q", s, got, want)
		}
	}
}

// A body far longer than dedupeSentences reads is cleaned no further, and
// the query is the one the whole body gives.
func TestCleanQuery_ALongBodyGivesTheQueryOfTheWholeBody(t *testing.T) {
	var b strings.Builder
	b.WriteString("The VPN drops every hour since the update.\n")
	for i := 0; b.Len() < 40000; i++ {
		fmt.Fprintf(&b, "log line %d: connection reset by peer at gateway 10.0.0.%d\n", i, i%250)
		if i == 200 {
			// Far into the mail, within what dedupeSentences reads: a
			// question sentence, which shorten keeps.
			b.WriteString("Why would the gateway reset every client at once?\n")
		}
	}
	long := b.String()
	if i := strings.Index(long, "Why would"); i < 10000 || i > 4*maxScanRunes-1000 {
		t.Fatalf("the question is at byte %d", i)
	}
	got := CleanQuery("VPN drops", long)
	want := shorten(dedupeSentences("VPN drops\n"+strings.TrimSpace(strings.Join(strings.Split(long, "\n"), "\n"))), maxQueryRunes)
	if got != want || !strings.Contains(got, "Why would") {
		t.Fatalf("CleanQuery of a 40 KB body:\n%q\nwant\n%q", got, want)
	}
}
