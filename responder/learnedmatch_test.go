package responder

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A small city-office FAQ in Japanese and an IT one in English, written
// for these tests, with the wordings earlier customers confirmed.
func learnedFAQ() []Entry {
	return []Entry{
		{Key: "bulky-waste", Question: "ごみの出し方について", Answer: "粗大ごみは電話で収集を申し込んでください。手数料は品目ごとに異なります。", Status: StatusPublished,
			Paraphrases: []string{"粗大ごみを捨てたいのですが、どこに申し込めばいいですか", "古いソファを粗大ごみで出したい", "粗大ごみの収集の申し込み方法を知りたい"}},
		{Key: "resident-card", Question: "住民票の写しの取り方", Answer: "市役所の窓口か、マイナンバーカードでコンビニのマルチコピー機から取得できます。", Status: StatusPublished,
			Paraphrases: []string{"コンビニで住民票って出せますか", "住民票をコンビニで取りたいです"}},
		{Key: "dog-registration", Question: "犬を飼い始めたときの手続き", Answer: "生後91日以上の犬は登録と狂犬病の予防注射が必要です。", Status: StatusPublished},
		{Key: "moving-in", Question: "市外から引っ越してきたときの届出", Answer: "転入届を引っ越してから14日以内に出してください。", Status: StatusPublished},
		{Key: "library-card", Question: "図書館の利用カードを作りたい", Answer: "本人確認書類を持って図書館のカウンターへお越しください。", Status: StatusPublished},
		{Key: "vpn-home", Question: "How do I connect to the office VPN?", Answer: "Install the VPN client from the portal and sign in with your company account.", Status: StatusPublished,
			Paraphrases: []string{"VPN will not connect from my home network", "cannot get on the VPN when working from home", "the VPN connection fails at home every morning"}},
		{Key: "printer-jam", Question: "The office printer shows a paper jam", Answer: "Open tray 2, remove the paper and close the tray.", Status: StatusPublished},
		{Key: "pw-expiry", Question: "How do I change my password before it expires?", Answer: "Press Ctrl+Alt+Del and choose Change a password.", Status: StatusPublished},
	}
}

func openLearned(t *testing.T, pending bool) *Index {
	t.Helper()
	x, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = x.Close() })
	entries := learnedFAQ()
	if pending {
		for i := range entries {
			entries[i].Pending, entries[i].Paraphrases = entries[i].Paraphrases, nil
		}
	}
	if err := x.Rebuild(entries, "learned"); err != nil {
		t.Fatal(err)
	}
	return x
}

// Several customers confirmed their own wordings of a question; the next
// customer asks it once more in words of their own, which share the
// wordings' words (粗大ごみ, 出す; VPN, home) rather than the question's.
// That is answered automatically, by the entry the cluster belongs to;
// with the same wordings only pending, it is not.
func TestMatch_ConfirmedWordingsOfAnEntryAnswerANewWordingAutomatically(t *testing.T) {
	confirmed, pending := openLearned(t, false), openLearned(t, true)
	for _, c := range []struct{ mail, want string }{
		{"粗大ごみを出したいのですが、申し込み方法を教えてください。", "bulky-waste"},
		{"住民票はコンビニでも出せるのでしょうか", "resident-card"},
		{"Hi,\nthe VPN keeps failing when I work from home.\nThanks", "vpn-home"},
	} {
		t.Run(c.want, func(t *testing.T) {
			res, err := confirmed.Match(context.Background(), "", c.mail)
			if err != nil {
				t.Fatal(err)
			}
			if res.Decision != Auto || res.Candidates[0].Key != c.want {
				t.Fatalf("confirmed: %s %+v (%s), want %s answered automatically", res.Decision, res.Candidates, res.Reason, c.want)
			}
			res, err = pending.Match(context.Background(), "", c.mail)
			if err != nil {
				t.Fatal(err)
			}
			if res.Decision == Auto {
				t.Fatalf("pending: %s answered automatically (%+v); a pending wording may lift to a suggestion only", res.Candidates[0].Key, res.Candidates)
			}
			if len(res.Candidates) == 0 || res.Candidates[0].Key != c.want {
				t.Errorf("pending: %+v, want %s still found first", res.Candidates, c.want)
			}
		})
	}
}

// What the cluster does not say is not answered from it: a mail that
// shares one of its words but asks something else, or a single word.
func TestMatch_LearnedEvidenceNeedsTheClustersWordsNotOneOfThem(t *testing.T) {
	x := openLearned(t, false)
	for _, mail := range []string{
		"ごみ",
		"粗大ごみの収集日に出し忘れた場合、次はいつになりますか。手数料は返ってきますか。",
		"住民票に載っている住所が間違っているので直してほしい",
		"VPN",
		"Which VPN client version does the finance team use on the new laptops?",
	} {
		res, err := x.Match(context.Background(), "", mail)
		if err != nil {
			t.Fatal(err)
		}
		if res.Decision == Auto {
			t.Errorf("%q answered automatically with %s (%+v)", mail, res.Candidates[0].Key, res.Candidates[0])
		}
	}
}

// Mail that no entry answers (testdata/ood, our own text) is never
// answered automatically, by the plain decision nor by the learned one,
// however many wordings the entries have learned.
func TestMatch_OutOfDomainMailIsNeverAnsweredAutomatically(t *testing.T) {
	rows, qs := loadSet(t, englishSetDir, "queries-dev.jsonl")
	x, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	// Every English development question taught to the entry that
	// answers it, confirmed: the most an index of this FAQ learns.
	entries := faqEntries(rows, nil)
	byKey := map[string]*Entry{}
	for i := range entries {
		byKey[entries[i].Key] = &entries[i]
	}
	for _, q := range qs {
		for k, g := range q.Relevant {
			if g == 2 {
				byKey[k].Paraphrases = append(byKey[k].Paraphrases, CleanQuery("", CleanLearned(q.Text)))
				break
			}
		}
	}
	entries = append(entries, learnedFAQ()[:5]...)
	if err := x.Rebuild(entries, "ood"); err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{"en.txt", "ja.txt"} {
		b, err := os.ReadFile(filepath.Join("testdata", "ood", file))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			mail := strings.ReplaceAll(line, `\n`, "\n")
			res, err := x.Match(context.Background(), "", mail)
			if err != nil {
				t.Fatal(err)
			}
			if res.Decision == Auto {
				t.Errorf("%s: %q answered automatically with %s at %.2f", file, mail, res.Candidates[0].Key, res.Candidates[0].Confidence)
			}
		}
	}
}

// A subject that names no topic is dropped from the query: kept, it would
// join every mail under it, and every wording learned from one.
func TestCleanQuery_GenericSubjectsAreDropped(t *testing.T) {
	for _, c := range []struct{ subject, want string }{
		{"お問い合わせ", "プリンターが動きません"},
		{"質問です", "プリンターが動きません"},
		{"Re: 【至急】ご相談", "プリンターが動きません"},
		{"Question", "プリンターが動きません"},
		{"Quick question!", "プリンターが動きません"},
		{"help needed", "プリンターが動きません"},
		{"プリンターについて", "プリンターについて\nプリンターが動きません"},
		{"VPN question", "VPN question\nプリンターが動きません"},
	} {
		if got := CleanQuery(c.subject, "プリンターが動きません"); got != c.want {
			t.Errorf("CleanQuery(%q, ...) = %q, want %q", c.subject, got, c.want)
		}
	}
}

// textEvidence weighs each text and the cluster: the best text's F1 of
// the two shares, the paraphrases' best, and the cluster's shared words.
func TestTextEvidence_BestTextAndSharedWords(t *testing.T) {
	values := []string{
		"q 住民票 写 取",
		"c コンビニ 住民票 出",
		"c 住民票 コンビニ 取",
		"p 戸籍 郵送",
	}
	weight := map[string]float64{"住民票": 2, "コンビニ": 3, "取": 1}
	f1, para, coreCov, coreCont := textEvidence(values, weight, 6, 0)
	// The third text holds all three words of the mail and nothing else.
	if f1 != 1 || para != 1 {
		t.Errorf("textF1 %.2f, paraF1 %.2f, want 1 and 1", f1, para)
	}
	// Shared by two texts or more: 住民票 (3), コンビニ (2), 取 (2); all in
	// the mail.
	if coreCov != 1 || coreCont != 1 {
		t.Errorf("coreCov %.2f, coreCont %.2f, want 1 and 1", coreCov, coreCont)
	}
	// A mail of other words: nothing.
	f1, para, coreCov, coreCont = textEvidence(values, map[string]float64{"戸籍": 4, "郵送": 2}, 6, 0)
	if f1 != 0 || para != 0 || coreCov != 0 || coreCont != 0 {
		t.Errorf("pending texts left out: got %.2f %.2f %.2f %.2f, want zeros", f1, para, coreCov, coreCont)
	}
	// The pending text counts when pending ones do, at their credit.
	if f1, para, _, _ = textEvidence(values, map[string]float64{"戸籍": 4, "郵送": 2}, 6, 0.5); f1 != 0.5 || para != 0.5 {
		t.Errorf("pending texts counted at half: textF1 %.2f, paraF1 %.2f, want 0.5 and 0.5", f1, para)
	}
}
