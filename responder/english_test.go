package responder

import "testing"

// TestMatch_EnglishITSet runs the project's own English IT service-desk set
// (testdata/itfaq-en, written by hand for this purpose) through Match: a
// guard that the English path keeps ranking well and that the automatic
// band stays right, including on mail the FAQ does not cover. The set is
// development data (the confidence weights, the auto band, the similarity
// floors and the English stop words were fitted on it), so this guards
// against regressions; it does not show how well unseen English is
// matched.
func TestMatch_EnglishITSet(t *testing.T) {
	rows, qs := loadSet(t, englishSetDir, "queries-dev.jsonl")
	x := newRemovable(t, rows)
	res := runResponder(t, x.Index, qs)

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
	falseAuto := 0
	for _, q := range qs {
		x.without(t, q, func() {
			if r := runResponder(t, x.Index, []queryRow{q})[0]; r.auto {
				falseAuto++
				t.Logf("false auto: query %s (%q) -> %s at %.2f", q.ID, q.Text, r.keys[0], r.conf)
			}
		})
	}
	if rate := float64(falseAuto) / float64(len(qs)); rate > 0.02 {
		t.Errorf("false-auto %d/%d = %.3f with the relevant entries removed, want <= 0.02", falseAuto, len(qs), rate)
	}
}
