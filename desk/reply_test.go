package desk

import (
	"strings"
	"testing"

	"github.com/madoguchi/madoguchi/templates"
)

// Replies to an automatic answer that report the problem is not solved:
// the entry did not help.
func TestClassifyReply_ProblemReportsAreFailures(t *testing.T) {
	for _, text := range []string{
		"still broken",
		"thanks, but it still doesn't work",
		"Thanks, but it does not work",
		"Thanks, but it is still broken: the client says certificate error.",
		"Thanks for the quick reply. Unfortunately the problem persists.",
		"Thank you. I followed the steps and the error remains.",
		"Thanks. The error message is: Access denied.",
		"Thanks, that didn't help.",
		"Thank you! Sadly it doesn't seem to work.",
		"ありがとうございます。でもまだ直りません",
		"ありがとうございます。しかしまだ接続できません。",
		"ありがとうございます。手順通りに設定しましたが、エラーが出ます。",
		"ご回答ありがとうございます。再設定ページが開けず、エラーになります。",
		"ありがとうございます。エラーコード 0x80070005 が表示されます。",
		"ありがとうございます。ログインできなくなりました。",
		"正常に動作しません。",
	} {
		if got := classifyReply(text); got.verdict != replyFailure {
			t.Errorf("classifyReply(%q) = %s (%s), want failure", text, got.verdict, got.reason)
		}
	}
}

// A question, a request or a hedge says nothing about the answer: a person
// reads it, and the entry gets no vote.
func TestClassifyReply_QuestionsRequestsAndHedgesAreUnclear(t *testing.T) {
	for _, text := range []string{
		"When will this be fixed?",
		"Can you help me get this resolved?",
		"Can you help me get this resolved",
		"I need this solved today.",
		"Thanks. Also, how do I change my display language?",
		"Thanks. Also, how do I change my display language",
		"I have another question about it",
		"Thanks in advance!",
		"Thanks, but I had already tried that.",
		"Thanks, I will try it tomorrow.",
		"ありがとうございます。表示言語の変更方法も教えてください。",
		"ありがとうございます。ほかの端末でも同じ手順でよいですか。",
		"ありがとうございます。ご対応よろしくお願いいたします。",
		"解決しましたが、念のため設定を確認していただけますか",
		"ありがとうございます。まだ試していませんが、後ほど確認します。",
		"",
		"> only a quote",
		"See attached.",
	} {
		if got := classifyReply(text); got.verdict != replyUnclear {
			t.Errorf("classifyReply(%q) = %s (%s), want unclear", text, got.verdict, got.reason)
		}
	}
}

// Thanks or words of success, with no problem, question or request beside
// them, resolve the ticket; polite formulas are not negations.
func TestClassifyReply_ThanksAndSuccessWithNothingAgainstThemAreSuccess(t *testing.T) {
	for _, text := range []string{
		"thanks, that fixed it",
		"Thank you!",
		"Thank you! Works now.",
		"It works now. Thanks again!",
		"Works like a charm.",
		"Perfect, all good now.",
		"Thanks, that fixed it! I didn't know…",
		"Thanks, that fixed the error.",
		"No problem any more, thank you. You can close the ticket.",
		"解決しました",
		"ありがとうございました",
		"ありがとうございます。",
		"ありがとうございました。無事につながりました。",
		"解決しました。お手数をおかけしてすみません。",
		"解決しました。問題ありません。",
		"解決しました。申し訳ございませんでした。",
		"解決しました。ありがとうございました。今後ともよろしくお願いいたします。",
		"エラーが出なくなりました。ありがとうございます。",
		"ありがとうございます！解決しました！",
	} {
		if got := classifyReply(text); got.verdict != replySuccess {
			t.Errorf("classifyReply(%q) = %s (%s), want success", text, got.verdict, got.reason)
		}
	}
}

// A mail client that quotes our automatic answer without "> " marks puts
// our template's words ("If it did not", "お手数ですが") under the
// customer's: only the customer's own lines above them count.
func TestOwnWords_StopsAtAnUnmarkedQuoteOfOurMail(t *testing.T) {
	set, err := templates.New("")
	if err != nil {
		t.Fatal(err)
	}
	render := func(lang, name string) string {
		m, err := set.Render("auto_answer", lang, templates.Data{Ticket: "INC-1001", Subject: "VPN", Name: name, SupportAddress: "support@example.com",
			Question: "How do I connect to the office VPN from home?", Answer: "Install the VPN client from the portal."})
		if err != nil {
			t.Fatal(err)
		}
		return m.Text
	}
	en, ja, jaNoName := render("en", "Alice"), render("ja", "山田 太郎"), render("ja", "")
	// The HTML part quoted as text: one paragraph a line.
	paragraph := strings.Join(strings.Fields(strings.Split(en, "\n\n")[1]), " ")
	for _, c := range []struct {
		name, text string
		sent       string
		want       string
	}{
		{"english below the thanks", "Thanks, that fixed it!\n\n" + en, en, "Thanks, that fixed it!"},
		{"japanese below the thanks", "解決しました。ありがとうございました。\n\n" + ja, ja, "解決しました。ありがとうございました。"},
		{"japanese without a name", "ありがとうございました。\n" + jaNoName, jaNoName, "ありがとうございました。"},
		{"re-wrapped paragraph", "Works now, thanks.\n\n" + paragraph + "\nIf it did not, simply reply to this mail", en, "Works now, thanks."},
		{"a greeting like ours", "Hello,\n\nThanks, that fixed it!", render("en", ""), "Hello,\n\nThanks, that fixed it!"},
		{"own words that our mail also has", "誠にありがとうございます。\n解決しました。", ja, "誠にありがとうございます。\n解決しました。"},
		{"marked quote", "Thank you!\n\nOn Wed, support wrote:\n> If it did not, simply reply", en, "Thank you!"},
		{"nothing sent", "Thank you!\nIf it did not, simply reply", "", "Thank you!\nIf it did not, simply reply"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var sent []string
			if c.sent != "" {
				sent = []string{c.sent}
			}
			got := ownWords(c.text, sent)
			if got != c.want {
				t.Fatalf("ownWords = %q, want %q", got, c.want)
			}
			if c.sent != "" && classifyReply(got).verdict != replySuccess {
				t.Fatalf("own words %q not a success: %+v", got, classifyReply(got))
			}
		})
	}
}
