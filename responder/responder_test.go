package responder

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/search/query"
)

// sampleFAQ is a small IT-support FAQ in both languages.
func sampleFAQ() []Entry {
	return []Entry{
		{Key: "pw-reset", Question: "How do I reset my password?", Answer: "Open the self-service portal and choose Reset password. A link is mailed to you.", Status: StatusPublished},
		{Key: "vpn", Question: "VPNに接続できない", Answer: "VPNクライアントを再起動し、社内ネットワークの認証情報を確認してください。", Status: StatusPublished},
		{Key: "pc-ja", Question: "ＰＣが起動しない", Answer: "電源ケーブルを確認し、電源ボタンを長押ししてください。", Status: StatusPublished},
		{Key: "pw-ja", Question: "ﾊﾟｽﾜｰﾄﾞを忘れた", Answer: "パスワード再設定ページから手続きしてください。", Status: StatusPublished},
		{Key: "outlook", Question: "Outlook password reset パスワード", Answer: "Outlookのパスワードはポータルで変更します。", Status: StatusPublished},
		{Key: "printer", Question: "The printer on my floor does not print", Answer: "Check the queue and restart the printer.", Status: StatusPublished},
		{Key: "mail-quota", Question: "メールボックスの容量がいっぱいです", Answer: "古いメールをアーカイブしてください。", Status: StatusPublished},
		{Key: "wifi", Question: "Wi-Fi keeps disconnecting", Answer: "Forget the network and join it again.", Status: StatusPublished},
		{Key: "draft-teams", Question: "Teams meeting has no sound", Answer: "Select the right speaker in Teams settings.", Status: StatusDraft},
		{Key: "retired-fax", Question: "How do I send a fax?", Answer: "Fax is no longer supported.", Status: StatusRetired},
	}
}

func openSample(t *testing.T, opts Options) *Index {
	t.Helper()
	x, err := Open(opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = x.Close() })
	if err := x.Rebuild(sampleFAQ(), "fp-1"); err != nil {
		t.Fatalf("Rebuild: %v", err)
	}
	return x
}

func topKey(t *testing.T, x *Index, subject, body string) string {
	t.Helper()
	res, err := x.Match(context.Background(), subject, body)
	if err != nil {
		t.Fatalf("Match(%q, %q): %v", subject, body, err)
	}
	if len(res.Candidates) == 0 {
		t.Fatalf("Match(%q, %q): no candidates (%s)", subject, body, res.Reason)
	}
	return res.Candidates[0].Key
}

func TestMatch_WidthVariantsFindTheSameEntry(t *testing.T) {
	x := openSample(t, Options{})
	for _, q := range []string{"PCが起動しない", "ｐｃが起動しない", "ＰＣが起動しません"} {
		if got := topKey(t, x, "", q); got != "pc-ja" {
			t.Errorf("%q matched %s, want pc-ja", q, got)
		}
	}
	for _, q := range []string{"パスワードを忘れました", "ﾊﾟｽﾜｰﾄﾞを忘れました"} {
		if got := topKey(t, x, "", q); got != "pw-ja" {
			t.Errorf("%q matched %s, want pw-ja", q, got)
		}
	}
}

func TestMatch_MixedJapaneseAndEnglish(t *testing.T) {
	x := openSample(t, Options{})
	if got := topKey(t, x, "Re: VPNに接続できない", "自宅からVPNに接続できません。"); got != "vpn" {
		t.Errorf("VPN mail matched %s", got)
	}
	if got := topKey(t, x, "", "Outlook password reset パスワード"); got != "outlook" {
		t.Errorf("Outlook mail matched %s", got)
	}
}

func TestMatch_EnglishStemming(t *testing.T) {
	x := openSample(t, Options{})
	if got := topKey(t, x, "", "resetting passwords"); got != "pw-reset" && got != "outlook" {
		t.Errorf("resetting passwords matched %s, want a password-reset entry", got)
	}
	if got := topKey(t, x, "Printing problem", "Our printers are not printing anything"); got != "printer" {
		t.Errorf("printing mail matched %s", got)
	}
}

func TestMatch_ExactQuestionIsAutoWhenPublished(t *testing.T) {
	x := openSample(t, Options{})
	res, err := x.Match(context.Background(), "", "Wi-Fi keeps disconnecting")
	if err != nil {
		t.Fatal(err)
	}
	if res.Decision != Auto || res.Candidates[0].Key != "wifi" {
		t.Fatalf("got %s %+v (%s), want auto wifi", res.Decision, res.Candidates, res.Reason)
	}
}

// The curation loop depends on this: a mail that restates an entry's
// question (or a confirmed paraphrase) nearly verbatim, wrapped in the
// usual greetings and sign-offs, is answered automatically with a
// confidence that reads as "almost surely right".
func TestMatch_RestatedQuestionGetsHighConfidence(t *testing.T) {
	x := openSample(t, Options{})
	para := sampleFAQ()[6]
	para.Paraphrases = []string{"メールが受信できなくなりました。容量の上限でしょうか"}
	if err := x.Upsert(para, "fp-2"); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, subject, body, want string }{
		{"english with greeting", "Printer", "Hi team,\n\nThe printer on my floor does not print.\n\nThanks,\nBob", "printer"},
		{"japanese with set phrases", "VPN", "お世話になっております。\nＶＰＮに接続できない。\nよろしくお願いいたします。", "vpn"},
		{"japanese question", "", "ﾒｰﾙﾎﾞｯｸｽの容量がいっぱいです", "mail-quota"},
		{"confirmed paraphrase", "Re: 受信", "いつもお世話になっております。\nメールが受信できなくなりました。容量の上限でしょうか？\n以上、よろしくお願いいたします。", "mail-quota"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := x.Match(context.Background(), c.subject, c.body)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Candidates) == 0 || res.Candidates[0].Key != c.want {
				t.Fatalf("got %+v, want %s on top", res.Candidates, c.want)
			}
			if conf := res.Candidates[0].Confidence; res.Decision != Auto || conf < 0.9 {
				t.Fatalf("got %s at confidence %.3f (%s), want auto at >= 0.9", res.Decision, conf, res.Reason)
			}
		})
	}
}

// A draft has not been read by a person: it is never an answer nor a
// suggestion, however well it matches, and publishing it makes it one.
func TestMatch_DraftIsNeverACandidate(t *testing.T) {
	x := openSample(t, Options{AutoSendConfidence: 0.01})
	res, err := x.Match(context.Background(), "", "Teams meeting has no sound")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Candidates {
		if c.Key == "draft-teams" {
			t.Fatalf("got %s %+v: the draft is a candidate", res.Decision, res.Candidates)
		}
	}
	e := sampleFAQ()[8]
	e.Status = StatusPublished
	if err := x.Upsert(e, "fp-2"); err != nil {
		t.Fatal(err)
	}
	if got := topKey(t, x, "", "Teams meeting has no sound"); got != "draft-teams" {
		t.Fatalf("published, the entry is not found: top %s", got)
	}
	e.Status = StatusDraft
	if err := x.Upsert(e, "fp-3"); err != nil {
		t.Fatal(err)
	}
	if res, err := x.Match(context.Background(), "", "Teams meeting has no sound"); err != nil || len(res.Candidates) > 0 && res.Candidates[0].Key == "draft-teams" {
		t.Fatalf("drafted again, the entry is still found: %+v %v", res.Candidates, err)
	}
}

// The slip of issue 13: an agent answers a "cannot print" mail with the
// VPN entry, and the wording is kept as a pending paraphrase of it. A mail
// that repeats that wording may get the VPN entry as a suggestion, never
// as an automatic answer; once the customer confirms the wording, it may.
func TestMatch_PendingParaphraseLiftsToSuggestNeverToAuto(t *testing.T) {
	x := openSample(t, Options{})
	vpn := Entry{Key: "vpn-home", Question: "How do I connect to the office VPN from home?", Answer: "Install the VPN client from the portal.", Status: StatusPublished,
		Pending: []string{"The scanner on the second floor sends nothing to my mailbox"}}
	if err := x.Upsert(vpn, "fp-2"); err != nil {
		t.Fatal(err)
	}
	mail := "The scanner on the second floor sends nothing to my mailbox"
	res, err := x.Match(context.Background(), "", mail)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Candidates) == 0 || res.Candidates[0].Key != "vpn-home" || res.Decision != Suggest || !strings.Contains(res.Reason, "pending paraphrase") {
		t.Fatalf("pending: got %s (%s) %+v, want vpn-home suggested because of its pending paraphrase", res.Decision, res.Reason, res.Candidates)
	}
	vpn.Paraphrases, vpn.Pending = vpn.Pending, nil
	if err := x.Upsert(vpn, "fp-3"); err != nil {
		t.Fatal(err)
	}
	if res, err = x.Match(context.Background(), "", mail); err != nil || res.Decision != Auto || res.Candidates[0].Key != "vpn-home" {
		t.Fatalf("confirmed: got %s (%s) %+v %v, want vpn-home answered automatically", res.Decision, res.Reason, res.Candidates, err)
	}
}

// The property behind it: whatever the mail, an automatic answer from an
// index with pending paraphrases is one the same index without them gives
// too. Every pending paraphrase (and the question) of each entry is tried
// as the mail, alone and inside a longer one, against indexes where other
// entries carry pending wordings near each other's questions.
func TestMatch_AutoNeverRestsOnAPendingParaphrase(t *testing.T) {
	base := sampleFAQ()
	pending := map[string][]string{
		"printer":    {"How do I reset my password?", "The printer on the 3rd floor jams"},
		"wifi":       {"The printer on my floor does not print anything", "VPNに接続できない"},
		"pw-reset":   {"Wi-Fi keeps disconnecting every hour"},
		"mail-quota": {"ＰＣが起動しない", "メールが送信できない"},
	}
	with, without := openSample(t, Options{}), openSample(t, Options{})
	for _, e := range base {
		if len(pending[e.Key]) == 0 {
			continue
		}
		e.Pending = pending[e.Key]
		if err := with.Upsert(e, "fp-2"); err != nil {
			t.Fatal(err)
		}
	}
	var mails []string
	for _, e := range base {
		mails = append(mails, e.Question, "Hello,\n"+e.Question+"\nThanks,\nAnn")
		for _, p := range pending[e.Key] {
			mails = append(mails, p, "Hi team,\n"+p+" since this morning.\nBest regards\nBob")
		}
	}
	autos := 0
	for _, m := range mails {
		got, err := with.Match(context.Background(), "", m)
		if err != nil {
			t.Fatal(err)
		}
		if got.Decision != Auto {
			continue
		}
		autos++
		alone, err := without.Match(context.Background(), "", m)
		if err != nil {
			t.Fatal(err)
		}
		if alone.Decision != Auto || alone.Candidates[0].Key != got.Candidates[0].Key {
			t.Errorf("%q: auto %s with pending paraphrases, %s %+v (%s) without them", m, got.Candidates[0].Key, alone.Decision, alone.Candidates, alone.Reason)
		}
	}
	if autos == 0 {
		t.Fatalf("none of %d mails was answered automatically: the property was not exercised", len(mails))
	}
}

func TestMatch_RetiredIsNeverReturned(t *testing.T) {
	x := openSample(t, Options{})
	res, err := x.Match(context.Background(), "", "How do I send a fax?")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Candidates {
		if c.Key == "retired-fax" {
			t.Fatalf("retired entry returned: %+v", res)
		}
	}
}

func TestMatch_UnhelpfulEntryIsNeverAuto(t *testing.T) {
	x := openSample(t, Options{AutoSendConfidence: 0.01})
	e := sampleFAQ()[7] // wifi
	e.Helpful, e.NotHelpful = 1, 3
	if err := x.Upsert(e, "fp-2"); err != nil {
		t.Fatal(err)
	}
	res, err := x.Match(context.Background(), "", "Wi-Fi keeps disconnecting")
	if err != nil {
		t.Fatal(err)
	}
	if res.Decision == Auto || res.Reason != "unhelpful 3/4" {
		t.Fatalf("got %s reason %q, want not auto with 'unhelpful 3/4'", res.Decision, res.Reason)
	}
}

func TestMatch_SmallMarginIsNotAuto(t *testing.T) {
	x := openSample(t, Options{AutoSendConfidence: 0.01})
	twin := Entry{Key: "wifi-2", Question: "Wi-Fi keeps disconnecting", Answer: "Forget the network and join it again.", Status: StatusPublished}
	if err := x.Upsert(twin, "fp-2"); err != nil {
		t.Fatal(err)
	}
	res, err := x.Match(context.Background(), "", "Wi-Fi keeps disconnecting")
	if err != nil {
		t.Fatal(err)
	}
	if res.Decision == Auto || !strings.HasPrefix(res.Reason, "margin") {
		t.Fatalf("two identical entries gave %s %q, want not auto for the margin", res.Decision, res.Reason)
	}
	if res.Reason == "" {
		t.Fatal("not-auto result without a reason")
	}
}

func TestMatch_UnrelatedMailEscalates(t *testing.T) {
	x := openSample(t, Options{})
	res, err := x.Match(context.Background(), "lunch", "Shall we have lunch on Friday at the canteen?")
	if err != nil {
		t.Fatal(err)
	}
	if res.Decision != Escalate {
		t.Fatalf("got %s %+v, want escalate", res.Decision, res.Candidates)
	}
}

func TestMatch_ParaphraseBoostsItsEntry(t *testing.T) {
	x := openSample(t, Options{})
	mail := "my laptop will not connect to the wireless network at the office"
	before := topKey(t, x, "", mail)
	e := sampleFAQ()[7]
	e.Paraphrases = []string{"laptop will not connect to the wireless network"}
	if err := x.Upsert(e, "fp-2"); err != nil {
		t.Fatal(err)
	}
	res, err := x.Match(context.Background(), "", mail)
	if err != nil {
		t.Fatal(err)
	}
	if res.Candidates[0].Key != "wifi" {
		t.Fatalf("with paraphrase top is %s (before %s), want wifi", res.Candidates[0].Key, before)
	}
	if res.Candidates[0].Confidence < DefaultSuggestConfidence {
		t.Fatalf("paraphrase match confidence %.2f below suggest", res.Candidates[0].Confidence)
	}
}

func TestUpsertAndDelete_VisibleInMatch(t *testing.T) {
	x := openSample(t, Options{})
	e := Entry{Key: "sso", Question: "Single sign-on loops back to the login page", Answer: "Clear cookies.", Status: StatusPublished}
	if err := x.Upsert(e, "fp-2"); err != nil {
		t.Fatal(err)
	}
	if got := topKey(t, x, "", "single sign-on login loop"); got != "sso" {
		t.Fatalf("after upsert top is %s", got)
	}
	if err := x.Delete("sso", "fp-3"); err != nil {
		t.Fatal(err)
	}
	res, err := x.Match(context.Background(), "", "single sign-on login loop")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Candidates {
		if c.Key == "sso" {
			t.Fatal("deleted entry still matched")
		}
	}
	if fp := x.Fingerprint(); fp != "fp-3" {
		t.Fatalf("fingerprint %q, want fp-3", fp)
	}
	// Retiring through Upsert removes the entry too.
	n, _ := x.Count()
	w := sampleFAQ()[7]
	w.Status = StatusRetired
	if err := x.Upsert(w, "fp-4"); err != nil {
		t.Fatal(err)
	}
	if m, _ := x.Count(); m != n-1 {
		t.Fatalf("count after retiring %d, want %d", m, n-1)
	}
}

func TestFingerprint_PersistsAcrossCloseAndOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "faq.bleve")
	x, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if fp := x.Fingerprint(); fp != "" {
		t.Fatalf("new index fingerprint %q, want empty", fp)
	}
	if err := x.Rebuild(sampleFAQ(), "fp-1"); err != nil {
		t.Fatal(err)
	}
	if err := x.Upsert(Entry{Key: "k", Question: "extra", Status: StatusPublished}, "fp-2"); err != nil {
		t.Fatal(err)
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	y, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer y.Close()
	if fp := y.Fingerprint(); fp != "fp-2" {
		t.Fatalf("fingerprint after reopen %q, want fp-2", fp)
	}
	if n, _ := y.Count(); n != 9 { // the sample's 8 published entries and k
		t.Fatalf("count after reopen %d, want 9", n)
	}
	if got := topKey(t, y, "", "VPNに接続できない"); got != "vpn" {
		t.Fatalf("after reopen matched %s", got)
	}
}

func TestOpen_DeletedDirStartsEmptyAndRebuilds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "faq.bleve")
	x := openSample(t, Options{Path: path})
	_ = x.Close()
	if err := os.RemoveAll(path); err != nil {
		t.Fatal(err)
	}
	y, err := Open(Options{Path: path})
	if err != nil {
		t.Fatalf("Open on deleted dir: %v", err)
	}
	defer y.Close()
	if fp := y.Fingerprint(); fp != "" {
		t.Fatalf("fingerprint %q, want empty so the desk rebuilds", fp)
	}
	if err := y.Rebuild(sampleFAQ(), "fp-9"); err != nil {
		t.Fatal(err)
	}
	if got := topKey(t, y, "", "VPNに接続できない"); got != "vpn" {
		t.Fatalf("after rebuild matched %s", got)
	}
}

func TestOpen_GarbageDirIsErrCorruptAndRecoverable(t *testing.T) {
	for name, garble := range map[string]func(path string) error{
		"garbage files": func(path string) error {
			if err := os.MkdirAll(path, 0o755); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(path, "junk.bin"), []byte("\x00\x01not an index"), 0o644)
		},
		"garbage meta": func(path string) error {
			x, err := Open(Options{Path: path})
			if err != nil {
				return err
			}
			if err := x.Rebuild(sampleFAQ(), "fp"); err != nil {
				return err
			}
			_ = x.Close()
			return os.WriteFile(filepath.Join(path, "index_meta.json"), []byte("{broken"), 0o644)
		},
		"garbage segments": func(path string) error {
			x, err := Open(Options{Path: path})
			if err != nil {
				return err
			}
			if err := x.Rebuild(sampleFAQ(), "fp"); err != nil {
				return err
			}
			_ = x.Close()
			return filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() && filepath.Base(p) != "index_meta.json" {
					return os.WriteFile(p, []byte("garbage"), 0o644)
				}
				return err
			})
		},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "faq.bleve")
			if err := garble(path); err != nil {
				t.Fatal(err)
			}
			_, err := Open(Options{Path: path})
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open on %s: %v, want ErrCorrupt", name, err)
			}
			// Either way back: Reset then Open, or Open with Recreate.
			if err := Reset(path); err != nil {
				t.Fatal(err)
			}
			if err := garble(path); err != nil {
				t.Fatal(err)
			}
			x, err := Open(Options{Path: path, Recreate: true})
			if err != nil {
				t.Fatalf("Open with Recreate: %v", err)
			}
			defer x.Close()
			if err := x.Rebuild(sampleFAQ(), "fp-new"); err != nil {
				t.Fatal(err)
			}
			if got := topKey(t, x, "", "Wi-Fi keeps disconnecting"); got != "wifi" {
				t.Fatalf("after recreate matched %s", got)
			}
		})
	}
}

func TestReset_RefusesRoot(t *testing.T) {
	for _, p := range []string{"", "/", "."} {
		if err := Reset(p); err == nil {
			t.Errorf("Reset(%q) succeeded", p)
		}
	}
}

func TestConfidence_MonotoneInTopScore(t *testing.T) {
	// Raising the top score with the runner-up, coverage and query fixed
	// never lowers the confidence.
	const runnerUp = 0.8
	prev := -1.0
	for s := 0.8; s <= 3; s += 0.05 {
		f := features{Sim: 0.4, Cont: 0.5, CovQ: 0.6, Cov: 0.8, Top: s, Margin: (s - runnerUp) / s}
		c := confidence(f)
		if c < prev {
			t.Fatalf("confidence fell from %.4f to %.4f at score %.1f", prev, c, s)
		}
		if c < 0 || c > 1 {
			t.Fatalf("confidence %.4f outside [0,1]", c)
		}
		prev = c
	}
	// So does more of any other evidence, one feature at a time.
	base := features{Sim: 0.3, Cont: 0.4, CovQ: 0.4, Cov: 0.5, Margin: 0.2}
	for name, set := range map[string]func(*features, float64){
		"Sim": func(f *features, v float64) { f.Sim = v }, "Cont": func(f *features, v float64) { f.Cont = v },
		"CovQ": func(f *features, v float64) { f.CovQ = v }, "Cov": func(f *features, v float64) { f.Cov = v },
		"Margin": func(f *features, v float64) { f.Margin = v },
	} {
		prev := -1.0
		for v := 0.0; v <= 1; v += 0.05 {
			f := base
			set(&f, v)
			if c := confidence(f); c < prev {
				t.Fatalf("confidence fell from %.4f to %.4f as %s rose to %.2f", prev, c, name, v)
			} else {
				prev = c
			}
		}
	}
}

func TestDecide_Bands(t *testing.T) {
	x := &Index{opts: withDefaults(Options{})}
	h := func(conf, margin float64, status string, helpful, not int) []hit {
		return []hit{{Candidate: Candidate{Key: "a", Confidence: conf, Status: status}, helpful: helpful, notHelpful: not, feats: features{Margin: margin, Sim: 0.8, Cont: 0.9}}}
	}
	withFeats := func(hs []hit, sim, cont float64) []hit {
		hs[0].feats.Sim, hs[0].feats.Cont = sim, cont
		return hs
	}
	cases := []struct {
		name   string
		hits   []hit
		want   Decision
		reason string
	}{
		{"confident published", h(0.9, 0.5, StatusPublished, 0, 0), Auto, ""},
		{"plausible", h(0.4, 0.5, StatusPublished, 0, 0), Suggest, "confidence 0.40 < 0.85"},
		{"weak", h(0.1, 0.5, StatusPublished, 0, 0), Escalate, "confidence 0.10 < 0.85"},
		{"small margin", h(0.9, 0.05, StatusPublished, 0, 0), Suggest, "margin 0.05 < 0.10"},
		{"draft", h(0.9, 0.5, StatusDraft, 0, 0), Suggest, "entry is draft"},
		{"unhelpful", h(0.9, 0.5, StatusPublished, 1, 3), Suggest, "unhelpful 3/4"},
		{"too few votes to judge", h(0.9, 0.5, StatusPublished, 0, 2), Auto, ""},
		{"nothing", nil, Escalate, "no matching entry"},
		{"a short mail holding a quarter of the question", withFeats(h(0.95, 0.9, StatusPublished, 0, 0), 0.4, 0.25), Suggest, "mail repeats 25% of the entry's question (< 50%)"},
		{"a short title inside a long mail", withFeats(h(0.95, 0.9, StatusPublished, 0, 0), 0.17, 1), Suggest, "similarity to the entry's question 0.17 < 0.35"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := x.decide(c.hits)
			if r.Decision != c.want || r.Reason != c.reason {
				t.Fatalf("got %s %q, want %s %q", r.Decision, r.Reason, c.want, c.reason)
			}
		})
	}
}

func TestIndex_ClosedReturnsErrClosed(t *testing.T) {
	x, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	_ = x.Close()
	if _, err := x.Match(context.Background(), "", "vpn"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Match after Close: %v", err)
	}
}

// A second process (here: a second Open) on a held index gets ErrLocked
// after LockTimeout (at once when it is negative: an admin command never
// waits for a running gateway), and Recreate never wipes an index that is
// in use.
func TestOpen_HeldIndexIsLockedNotCorrupt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "faq.bleve")
	x, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if err := x.Rebuild([]Entry{{Key: "k", Question: "How do I print?", Answer: "Press print.", Status: StatusPublished}}, "fp1"); err != nil {
		t.Fatal(err)
	}
	for _, wait := range []time.Duration{50 * time.Millisecond, -1} {
		_, err = Open(Options{Path: path, LockTimeout: wait, Recreate: true})
		if !errors.Is(err, ErrLocked) || errors.Is(err, ErrCorrupt) {
			t.Fatalf("second open, lock timeout %v: %v, want ErrLocked", wait, err)
		}
	}
	if fp := x.Fingerprint(); fp != "fp1" {
		t.Fatalf("held index changed: fingerprint %q", fp)
	}
	if n, err := x.Count(); err != nil || n != 1 {
		t.Fatalf("held index count %d %v", n, err)
	}
}

// clauses lists the field:term pairs of a query built by buildQuery.
func clauses(q query.Query) []string {
	switch q := q.(type) {
	case *query.DisjunctionQuery:
		var out []string
		for _, d := range q.Disjuncts {
			out = append(out, clauses(d)...)
		}
		return out
	case *query.TermQuery:
		return []string{q.FieldVal + ":" + q.Term}
	}
	return nil
}

func TestBuildQuery_CommonAnswerTermsAreCappedOnlyInLargeIndexes(t *testing.T) {
	idfs := func(n uint64, dfAnswer uint64) map[string]map[string]float64 {
		return map[string]map[string]float64{
			fQuestion: {"申請": bm25IDF(n, 3), "騒音": bm25IDF(n, 2)},
			fAnswer:   {"申請": bm25IDF(n, dfAnswer), "騒音": bm25IDF(n, 2)},
		}
	}
	terms := []string{"申請", "騒音"}
	// Held by 40% of the answers of a large index: the answer clause goes
	// (its postings are the cost, its idf says little); the question
	// clause stays.
	got := strings.Join(clauses(buildQuery(terms, defaultTuning, idfs(100000, 40000), 100000)), " ")
	if strings.Contains(got, fAnswer+":申請") || !strings.Contains(got, fQuestion+":申請") || !strings.Contains(got, fAnswer+":騒音") {
		t.Errorf("large index: clauses %s", got)
	}
	// The same share of a small index is kept: 40 of 100 entries.
	got = strings.Join(clauses(buildQuery(terms, defaultTuning, idfs(100, 40), 100)), " ")
	if !strings.Contains(got, fAnswer+":申請") {
		t.Errorf("small index: common answer term dropped: %s", got)
	}
}

func TestMatch_ShortTitleFoundInsideAnotherQuestionIsNotAuto(t *testing.T) {
	x, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	entries := append(sampleFAQ(),
		Entry{Key: "badge", Question: "（入館証）", Answer: "入館証は総務課で発行します。申請書に上長の承認印をもらって提出してください。", Status: StatusPublished},
		Entry{Key: "vpn-title", Question: "VPN", Answer: "Install the VPN client from the portal.", Status: StatusPublished})
	if err := x.Rebuild(entries, "fp"); err != nil {
		t.Fatal(err)
	}
	// Each mail holds a terse title whole, and asks something else.
	for _, q := range []string{
		"入館証を家に忘れてしまったのですが、今日はどうやって入ればいいですか？",
		"Our VPN works, but the shared drive is read-only since Monday",
	} {
		res, err := x.Match(context.Background(), "", q)
		if err != nil {
			t.Fatal(err)
		}
		if res.Decision == Auto {
			t.Errorf("%q: auto-sent %s (confidence %.2f); a two-unit title found in a longer question is weak evidence",
				q, res.Candidates[0].Key, res.Candidates[0].Confidence)
		}
	}
	// The same title restated on its own still goes out.
	res, err := x.Match(context.Background(), "", "入館証")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Candidates) == 0 || res.Candidates[0].Key != "badge" {
		t.Fatalf("入館証: got %+v, want badge first", res.Candidates)
	}
}

// Warm loads the Japanese dictionary in the background for an index with
// entries, and has nothing to load for an empty one (a new installation
// keeps its memory).
func TestWarm_LoadsTheDictionaryOnlyForAnIndexWithEntries(t *testing.T) {
	x, err := Open(Options{Path: filepath.Join(t.TempDir(), "faq.bleve")})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if done := x.Warm(); done != nil {
		t.Fatal("Warm of an empty index started a load")
	}
	if err := x.Rebuild([]Entry{{Key: "k", Question: "印刷できません", Answer: "プリンターを再起動してください。", Status: StatusPublished}}, "fp1"); err != nil {
		t.Fatal(err)
	}
	done := x.Warm()
	if done == nil {
		t.Fatal("Warm of an index with an entry started no load")
	}
	<-done
	if tok, err := japaneseTokenizer(); tok == nil || err != nil {
		t.Fatalf("after Warm: tokenizer %v, %v", tok, err)
	}
}
