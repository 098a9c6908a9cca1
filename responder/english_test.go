package responder

import (
	"path/filepath"
	"testing"
)

// TestMatch_EnglishITSet runs the project's own English IT service-desk set
// (testdata/itfaq-en, written by hand for this purpose and never tuned on)
// through Match: a guard that the English path ranks well and that the
// automatic band stays right, including on mail the FAQ does not cover.
func TestMatch_EnglishITSet(t *testing.T) {
	dir := filepath.Join("testdata", "itfaq-en")
	rows, err := readJSONL[faqRow](filepath.Join(dir, "faq.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	qs, err := readJSONL[queryRow](filepath.Join(dir, "queries-dev.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	x, err := Open(Options{MaxCandidates: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if err := x.Rebuild(faqEntries(rows, nil), "en"); err != nil {
		t.Fatal(err)
	}
	res := runResponder(t, x, qs)

	aq, ar := filter(qs, res, queryRow.answerable)
	m := evaluate(aq, ar)
	t.Logf("\n%s\n%s", tableHead, m.row("responder, en answerable"))
	if m.hit1 < 0.60 || m.hit10 < 0.90 || m.mrr < 0.70 {
		t.Errorf("English ranking fell: Hit@1 %.3f (want >= 0.60), Hit@10 %.3f (>= 0.90), MRR@10 %.3f (>= 0.70)", m.hit1, m.hit10, m.mrr)
	}
	cov := float64(m.autoN) / float64(m.n)
	if m.autoN == 0 || m.autoPrecision() < 0.95 || cov < 0.10 {
		t.Errorf("automatic answers: %d/%d right at coverage %.3f, want >= 0.95 right at >= 0.10", m.autoRight, m.autoN, cov)
	}
	for i, q := range qs {
		if !q.answerable() && res[i].auto {
			t.Errorf("query %s (%q) is answered by no entry, yet %s went out automatically (confidence %.2f)", q.ID, q.Text, res[i].keys[0], res[i].conf)
		}
	}

	// Each query again with the entries it relates to taken out of the
	// index: whatever comes first then is wrong, and may not go out.
	byKey := map[string]Entry{}
	for _, e := range faqEntries(rows, nil) {
		byKey[e.Key] = e
	}
	falseAuto := 0
	for _, q := range qs {
		for k := range q.Relevant {
			if err := x.Delete(k, "en"); err != nil {
				t.Fatal(err)
			}
		}
		r := runResponder(t, x, []queryRow{q})[0]
		if r.auto {
			falseAuto++
			t.Logf("false auto: query %s (%q) -> %s at %.2f", q.ID, q.Text, r.keys[0], r.conf)
		}
		for k := range q.Relevant {
			if err := x.Upsert(byKey[k], "en"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if rate := float64(falseAuto) / float64(len(qs)); rate > 0.02 {
		t.Errorf("false-auto %d/%d = %.3f with the relevant entries removed, want <= 0.02", falseAuto, len(qs), rate)
	}
}
