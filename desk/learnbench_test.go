//go:build faqbench

package desk

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/responder"
	"github.com/madoguchi/madoguchi/tickets"
)

// The learning replay measures what the desk learns as a desk lives:
// customers' questions arrive one by one, in an order a seed shuffles;
// the desk matches each; every one not answered automatically (or answered
// wrongly, which the customer reports) is answered by an agent with
// `#answer KEY` (an entry that answers it) and `#resolve`, and the
// customer thanks, which confirms the paraphrase; later customers ask the
// same things in their own words. Everything goes through the desk's own
// code: mail in, matching, commands by mail, confirmation, the index
// update. Run it with
//
//	go test -tags faqbench -count=1 -run TestLearningReplay -v -timeout 60m ./desk
//
// -args -seeds=1,2,3 chooses the seeds (the first is the fixed seed whose
// quarters are printed), -replay=ja-tune,ja-check,en the streams. The
// Japanese stream is the localgovfaq dev queries of ../shared (never
// copied here), one half at a time: the tune half (id%4==0) is what the
// matcher's learning was fitted on, the check half (id%4==2) was not.
// The English stream is responder/testdata/itfaq-en, development data.
// After each stream the out-of-domain mails of responder/testdata/ood are
// sent to the desk as it then is: no automatic answer may go out.
var (
	flagSeeds  = flag.String("seeds", "1,2,3", "seeds of the learning replay's stream orders; the first is the fixed one")
	flagReplay = flag.String("replay", "ja-tune,ja-check,en", "streams of the learning replay")
	flagSilent = flag.Float64("silent", 0, "share of customers who never reply to an agent's answer (their wording stays pending until the quiet close)")
)

type replayQuery struct {
	ID       string         `json:"id"`
	Text     string         `json:"text"`
	Relevant map[string]int `json:"relevant"`
}

// answers are the keys of the entries that answer q (grade 2), in the
// set's key order.
func (q replayQuery) answers(order func(a, b string) int) []string {
	var out []string
	for k, g := range q.Relevant {
		if g == 2 {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, order)
	return out
}

// replaySet is one stream of the replay and the FAQ it is asked against.
type replaySet struct {
	name, lang, role string
	faq              []tickets.FAQ
	queries          []replayQuery
	ood              []string // out-of-domain mails in the set's language
	order            func(a, b string) int
	prefix           string // of the store's keys (lg for localgovfaq)
	subjects         []string
	thanks, problem  string
}

const (
	localgovDir = "../../shared/bench/localgovfaq"
	itfaqDir    = "../responder/testdata/itfaq-en"
	oodDir      = "../responder/testdata/ood"
)

// replaySets reads the streams; a Japanese one is skipped with a message
// when ../shared is absent.
func replaySets(t *testing.T) []replaySet {
	var out []replaySet
	byNumber := func(a, b string) int {
		x, _ := strconv.Atoi(a)
		y, _ := strconv.Atoi(b)
		return cmp.Compare(x, y)
	}
	byName := func(a, b string) int {
		x, _ := strconv.Atoi(strings.TrimPrefix(a, "en"))
		y, _ := strconv.Atoi(strings.TrimPrefix(b, "en"))
		return cmp.Compare(x, y)
	}
	for _, name := range strings.Split(*flagReplay, ",") {
		switch name {
		case "ja-tune", "ja-check":
			if _, err := os.Stat(filepath.Join(localgovDir, "faq.jsonl")); errors.Is(err, fs.ErrNotExist) {
				t.Logf("skipped: %s: the localgovfaq set is absent (%s); it lives in ../shared", name, localgovDir)
				continue
			}
			half := strings.TrimPrefix(name, "ja-")
			var qs []replayQuery
			for _, q := range readReplayJSONL[replayQuery](t, filepath.Join(localgovDir, "queries-dev.jsonl")) {
				n, _ := strconv.Atoi(q.ID)
				if (n/2)%2 == 0 == (half == "tune") {
					qs = append(qs, q)
				}
			}
			role := "the tune half (id%4==0): the learning's weights and floors were fitted on it: development figures"
			if half == "check" {
				role = "the check half (id%4==2): nothing was fitted on it: the held-out figures"
			}
			out = append(out, replaySet{name: "localgovfaq " + half + " half", lang: "ja", role: role,
				faq: replayFAQ(t, localgovDir, "lg", "ja"), queries: qs, ood: oodMails(t, "ja.txt"), order: byNumber, prefix: "lg",
				subjects: []string{"", "お問い合わせ", "質問", "教えてください"},
				thanks:   "ご回答ありがとうございました。解決しました。",
				problem:  "ご案内の内容は私の質問とは違うもので、まだ解決していません。"})
		case "en":
			out = append(out, replaySet{name: "itfaq-en", lang: "en",
				role: "DEVELOPMENT DATA: the English weights and floors were fitted on it; not held-out figures",
				faq:  replayFAQ(t, itfaqDir, "", "en"), queries: readReplayJSONL[replayQuery](t, filepath.Join(itfaqDir, "queries-dev.jsonl")),
				ood: oodMails(t, "en.txt"), order: byName,
				subjects: []string{"", "Question", "Help", "Quick question"},
				thanks:   "Thanks, that solved it.",
				problem:  "That did not help, it is not what I asked about. The problem is still there."})
		default:
			t.Fatalf("-replay: unknown stream %q (ja-tune, ja-check, en)", name)
		}
	}
	return out
}

func readReplayJSONL[T any](t *testing.T, path string) []T {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out
}

func replayFAQ(t *testing.T, dir, prefix, language string) []tickets.FAQ {
	var out []tickets.FAQ
	for _, r := range readReplayJSONL[struct{ ID, Question, Answer string }](t, filepath.Join(dir, "faq.jsonl")) {
		out = append(out, tickets.FAQ{Key: prefix + r.ID, Question: r.Question, Answer: r.Answer, Language: language, Status: tickets.FAQPublished})
	}
	return out
}

func oodMails(t *testing.T, name string) []string {
	b, err := os.ReadFile(filepath.Join(oodDir, name))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		out = append(out, strings.ReplaceAll(line, `\n`, "\n"))
	}
	return out
}

// tally counts the queries of one kind and the automatic answers among
// them.
type tally struct{ n, auto, right, top1 int }

func (a *tally) add(b tally) {
	a.n, a.auto, a.right, a.top1 = a.n+b.n, a.auto+b.auto, a.right+b.right, a.top1+b.top1
}

// replayRun is what one stream with one seed gave.
type replayRun struct {
	seed                   uint64
	quarters               [4]struct{ taught, never, unans tally }
	ood                    tally
	withheld               int // automatic answers the desk withheld from a P1/P2 ticket
	silent                 int // customers who did not reply to an agent's answer (-silent)
	confirmed, pending     int // paraphrases at the end
	elapsed                time.Duration
	p50, p99               time.Duration // of the desk's handling of the customers' first mails
	customerMails, matches int
}

func (r replayRun) total() (taught, never, unans tally) {
	for _, q := range r.quarters {
		taught.add(q.taught)
		never.add(q.never)
		unans.add(q.unans)
	}
	return
}

// TestLearningReplay runs every stream with every seed and prints the
// figures: for the questions whose entry was taught before (an earlier
// question it answers was answered with it and confirmed), the ones whose
// entry was never taught, and the ones no entry answers, how many were
// answered automatically and how many of those rightly, per quarter of the
// stream for the fixed seed and in total for each seed.
func TestLearningReplay(t *testing.T) {
	defer responder.TuneGC()()
	var seeds []uint64
	for _, s := range strings.Split(*flagSeeds, ",") {
		n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
		if err != nil {
			t.Fatalf("-seeds: %v", err)
		}
		seeds = append(seeds, n)
	}
	for _, set := range replaySets(t) {
		var runs []replayRun
		for _, seed := range seeds {
			t.Run(fmt.Sprintf("%s/seed%d", strings.ReplaceAll(set.name, " ", "-"), seed), func(t *testing.T) {
				runs = append(runs, replay(t, set, seed))
			})
		}
		if len(runs) > 0 {
			t.Log(replayReport(set, runs))
		}
	}
}

// replay runs one stream of set in the order seed gives.
func replay(t *testing.T, set replaySet, seed uint64) replayRun {
	ctx := context.Background()
	start := time.Now()
	x, err := responder.Open(responder.Options{Path: filepath.Join(t.TempDir(), "faq.bleve")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	f := newFixtureWith(t, x, withTiers)
	f.update(func(tx *tickets.Tx) error {
		for i := range set.faq {
			e := set.faq[i]
			if _, err := tx.PutFAQ(&e, 0, "admin"); err != nil {
				return err
			}
		}
		return nil
	})
	if err := f.desk.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 15))
	silence := rand.New(rand.NewPCG(seed, 16)) // apart, so the stream and subjects stay those of the other runs
	stream := slices.Clone(set.queries)
	rng.Shuffle(len(stream), func(i, j int) { stream[i], stream[j] = stream[j], stream[i] })

	run := replayRun{seed: seed}
	taught := map[string]bool{}
	var lat []time.Duration
	for i, q := range stream {
		if *flagSilent > 0 {
			// An hour between questions: the quiet period (close_after,
			// 72 h) confirms the silent customers' wordings 72 questions on.
			f.tickAfter(time.Hour)
		}
		answers := q.answers(set.order)
		for j := range answers {
			answers[j] = set.prefix + answers[j]
		}
		subject := set.subjects[rng.IntN(len(set.subjects))]
		customer := fmt.Sprintf("c%d-%d@customers.example", seed, i)
		id := fmt.Sprintf("r%d-%d", seed, i)

		// The matcher's first candidate, for the figures only.
		res, err := x.Match(ctx, subject, q.Text)
		if err != nil {
			t.Fatal(err)
		}
		run.matches++
		top1 := len(res.Candidates) > 0 && slices.Contains(answers, res.Candidates[0].Key)

		mailStart := time.Now()
		oc := f.one(mail(customer, subject, q.Text, "Message-ID: <"+id+"@c>"))
		lat = append(lat, time.Since(mailStart))
		run.customerMails++
		tk := f.ticket(oc.Ticket)
		if tk.Priority == "P1" || tk.Priority == "P2" {
			if strings.Contains(oc.Reason, "not sent automatically") {
				run.withheld++
			}
		}

		var k tally
		k.n = 1
		if top1 {
			k.top1 = 1
		}
		auto := oc.Status == tickets.StatusAutoAnswered
		right := auto && slices.Contains(answers, tk.AutoAnswerKey)
		if auto {
			k.auto = 1
			if right {
				k.right = 1
			}
		}
		quarter := &run.quarters[i*4/len(stream)]
		switch {
		case len(answers) == 0:
			quarter.unans.add(k)
		case slices.ContainsFunc(answers, func(a string) bool { return taught[a] }):
			quarter.taught.add(k)
		default:
			quarter.never.add(k)
		}

		switch {
		case right:
			// The customer thanks: the entry is counted helpful and the
			// wording kept, confirmed.
			f.replyTo(f.lastFor(tk, mailAutoAnswer), set.thanks, id+"-thanks")
			taught[tk.AutoAnswerKey] = true
			continue
		case auto:
			// The customer says it did not help: the desk escalates.
			if r := f.replyTo(f.lastFor(tk, mailAutoAnswer), set.problem, id+"-problem"); r.Status != tickets.StatusEscalated {
				t.Fatalf("%s: problem report on a wrong automatic answer: %+v", q.ID, r)
			}
		case oc.Status != tickets.StatusEscalated:
			t.Fatalf("%s: neither answered nor escalated: %+v", q.ID, oc)
		}
		// An agent answers: with the entry that answers it, the first such
		// among the desk's suggestions (what an agent reads first), else
		// the first in the set; with words of their own when none does.
		body := "#resolve\n担当部署から直接ご案内いたします。"
		if set.lang == "en" {
			body = "#resolve\nThe team in charge will get back to you directly."
		}
		key := ""
		if len(answers) > 0 {
			key = answers[0]
			for _, s := range f.suggestions(tk.Ref) {
				if slices.Contains(answers, s.Key) {
					key = s.Key
					break
				}
			}
			body = "#answer " + key + "\n#resolve"
		}
		r := f.one(agentMail("alice@example.com", f.lastFor(tk, mailNotice), body, id+"-agent"))
		if r.Status != tickets.StatusResolved {
			t.Fatalf("%s: the agent's %q: %+v", q.ID, body, r)
		}
		if key != "" {
			taught[key] = true
		}
		if *flagSilent > 0 && silence.Float64() < *flagSilent {
			run.silent++
			continue
		}
		// The customer thanks for the answer: the pending wording is
		// confirmed (settleLearned).
		f.replyTo(f.lastFor(tk, mailResolution), set.thanks, id+"-thanks")
	}
	run.p50, run.p99 = percentileOf(lat, 0.5), percentileOf(lat, 0.99)

	// Mail no entry answers, to the desk as it now is.
	for i, text := range set.ood {
		oc := f.one(mail(fmt.Sprintf("ood%d-%d@customers.example", seed, i), "", text, fmt.Sprintf("Message-ID: <ood%d-%d@c>", seed, i)))
		run.ood.n++
		if oc.Status == tickets.StatusAutoAnswered {
			run.ood.auto++
			t.Errorf("out-of-domain mail answered automatically: %q → %s", text, f.ticket(oc.Ticket).AutoAnswerKey)
		}
	}
	f.update(func(tx *tickets.Tx) error {
		all, err := tx.FAQs("")
		for _, e := range all {
			run.confirmed += len(e.ParaphraseTexts(tickets.ParaphraseConfirmed))
			run.pending += len(e.ParaphraseTexts(tickets.ParaphrasePending))
		}
		return err
	})
	run.elapsed = time.Since(start)
	return run
}

// lastFor is the newest mail of kind on the ticket (notices_test.go has a
// last of its own, by address).
func (f *fixture) lastFor(tk *tickets.Ticket, kind string) *tickets.Outgoing {
	f.t.Helper()
	var found *tickets.Outgoing
	f.update(func(tx *tickets.Tx) error {
		list, err := tx.OutgoingList(tk.ID)
		for _, o := range list {
			if o.Kind == kind {
				found = o
			}
		}
		return err
	})
	if found == nil {
		f.t.Fatalf("%s has no %s mail", tk.Ref, kind)
	}
	return found
}

func percentileOf(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(float64(len(s))*p+0.999999) - 1
	return s[min(len(s)-1, max(0, i))]
}

func frac(a, b int) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%d/%d (%.0f%%)", a, b, 100*float64(a)/float64(b))
}

func replayReport(set replaySet, runs []replayRun) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n## learning replay: %s (%s), %d questions, %d FAQ entries\n%s\n", set.name, set.lang, len(set.queries), len(set.faq), set.role)
	if *flagSilent > 0 {
		fmt.Fprintf(&b, "%.0f%% of the customers an agent answered never reply: their wordings stay pending until the quiet close (72 h, a question an hour)\n", 100**flagSilent)
	}
	fmt.Fprintf(&b, "taught before: an entry that answers the question had been taught (answered with and confirmed) on an earlier question; "+
		"auto = answered automatically, right = by an entry that answers it; top-1 = the matcher's first candidate answers it\n")
	row := func(label string, taught, never, unans tally) string {
		return fmt.Sprintf("| %s | %d | %s | %s | %s | %d | %s | %s | %s | %d | %d |", label,
			taught.n, frac(taught.auto, taught.n), frac(taught.right, taught.auto), frac(taught.top1, taught.n),
			never.n, frac(never.auto, never.n), frac(never.right, never.auto), frac(never.top1, never.n),
			unans.n, unans.auto)
	}
	head := "| | taught before | auto | right | top-1 | never taught | auto | right | top-1 | no entry answers | auto (wrong) |\n|---|---|---|---|---|---|---|---|---|---|---|"
	first := runs[0]
	fmt.Fprintf(&b, "\nfixed seed %d, by quarter of the stream:\n%s\n", first.seed, head)
	for i, q := range first.quarters {
		fmt.Fprintln(&b, row(fmt.Sprintf("Q%d", i+1), q.taught, q.never, q.unans))
	}
	tt, tn, tu := first.total()
	fmt.Fprintln(&b, row("all", tt, tn, tu))
	fmt.Fprintf(&b, "\nevery seed, whole stream:\n%s\n", head)
	var st, sn, su tally
	for _, r := range runs {
		t, n, u := r.total()
		st.add(t)
		sn.add(n)
		su.add(u)
		fmt.Fprintln(&b, row(fmt.Sprintf("seed %d", r.seed), t, n, u))
	}
	fmt.Fprintln(&b, row(fmt.Sprintf("%d seeds", len(runs)), st, sn, su))
	fmt.Fprintf(&b, "\n| seed | out-of-domain mails answered automatically (after the stream) | automatic answers withheld from P1/P2 | silent customers | paraphrases confirmed / pending at the end | customer mail p50 / p99 | run |\n|---|---|---|---|---|---|---|\n")
	for _, r := range runs {
		fmt.Fprintf(&b, "| %d | %d/%d | %d | %d | %d / %d | %.1f / %.1f ms | %v |\n", r.seed, r.ood.auto, r.ood.n, r.withheld, r.silent, r.confirmed, r.pending,
			float64(r.p50.Microseconds())/1000, float64(r.p99.Microseconds())/1000, r.elapsed.Round(time.Second))
	}
	return b.String()
}
