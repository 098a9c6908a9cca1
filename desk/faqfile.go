package desk

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/madoguchi/madoguchi/tickets"
)

// faqRow is one entry of an import or export file.
type faqRow struct {
	Key         string   `json:"key" yaml:"key"`
	Question    string   `json:"question" yaml:"question"`
	Answer      string   `json:"answer" yaml:"answer"`
	Tags        []string `json:"tags,omitempty" yaml:"tags,omitempty"`
	Language    string   `json:"language,omitempty" yaml:"language,omitempty"`
	Status      string   `json:"status,omitempty" yaml:"status,omitempty"`
	NeedsReview bool     `json:"needs_review,omitempty" yaml:"needs_review,omitempty"`
	// Paraphrases is nil when the row does not name the field: the entry
	// keeps the paraphrases it has. A list (empty too) is the entry's
	// paraphrases after the import.
	Paraphrases *[]fileParaphrase `json:"paraphrases,omitempty" yaml:"paraphrases,omitempty"`
}

// rowFields are the fields a row may have.
var rowFields = []string{"key", "question", "answer", "tags", "language", "status", "needs_review", "paraphrases"}

// fileParaphrase is a paraphrase in a FAQ file. Import reads text and
// state (confirmed when missing; a plain string is a confirmed text); the
// other fields, which export writes, say where the wording came from and
// are for reading: the importing store's audit trail records the import.
type fileParaphrase struct {
	Text      string `json:"text" yaml:"text"`
	State     string `json:"state,omitempty" yaml:"state,omitempty"`
	Source    string `json:"source,omitempty" yaml:"source,omitempty"`
	Ticket    string `json:"ticket,omitempty" yaml:"ticket,omitempty"`
	AddedBy   string `json:"added_by,omitempty" yaml:"added_by,omitempty"`
	AddedAt   string `json:"added_at,omitempty" yaml:"added_at,omitempty"`
	StateHow  string `json:"state_how,omitempty" yaml:"state_how,omitempty"`
	StateBy   string `json:"state_by,omitempty" yaml:"state_by,omitempty"`
	StateNote string `json:"state_note,omitempty" yaml:"state_note,omitempty"`
	StateAt   string `json:"state_at,omitempty" yaml:"state_at,omitempty"`
}

// UnmarshalJSON reads a paraphrase given as a string or as an object,
// refusing fields it does not know as the rows do.
func (p *fileParaphrase) UnmarshalJSON(b []byte) error {
	if s := bytes.TrimSpace(b); len(s) > 0 && s[0] == '"' {
		*p = fileParaphrase{}
		return json.Unmarshal(s, &p.Text)
	}
	type plain fileParaphrase
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var v plain
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("paraphrase: %w", err)
	}
	*p = fileParaphrase(v)
	return nil
}

// UnmarshalYAML reads a paraphrase given as a string or as a mapping.
func (p *fileParaphrase) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*p = fileParaphrase{Text: n.Value}
		return nil
	}
	if n.Kind == yaml.MappingNode {
		for i := 0; i < len(n.Content); i += 2 {
			switch k := n.Content[i].Value; k {
			case "text", "state", "source", "ticket", "added_by", "added_at", "state_how", "state_by", "state_note", "state_at":
			default:
				return fmt.Errorf("line %d: unknown paraphrase field %q", n.Content[i].Line, k)
			}
		}
	}
	type plain fileParaphrase
	var v plain
	if err := n.Decode(&v); err != nil {
		return err
	}
	*p = fileParaphrase(v)
	return nil
}

// csvParaphraseColumns are the CSV columns of paraphrases, by state: one
// cell holds them all, separated by an empty line (a paraphrase keeps its
// own line breaks).
var csvParaphraseColumns = []struct{ column, state string }{
	{"paraphrases", tickets.ParaphraseConfirmed},
	{"pending_paraphrases", tickets.ParaphrasePending},
	{"removed_paraphrases", tickets.ParaphraseRemoved},
}

// FAQFormat picks the file format from an explicit name or the file's
// extension: jsonl, csv or yaml.
func FAQFormat(format, name string) (string, error) {
	if format == "" {
		switch strings.ToLower(filepath.Ext(name)) {
		case ".jsonl", ".ndjson", ".json":
			format = "jsonl"
		case ".csv":
			format = "csv"
		case ".yaml", ".yml":
			format = "yaml"
		default:
			return "", fmt.Errorf("desk: cannot tell the format of %q: name it (jsonl, csv, yaml)", name)
		}
	}
	switch format {
	case "jsonl", "csv", "yaml":
		return format, nil
	}
	return "", fmt.Errorf("desk: unknown FAQ file format %q (jsonl, csv, yaml)", format)
}

// ParseFAQFile reads FAQ entries (fields key, question, answer, tags,
// language, status, needs_review, paraphrases; status defaults to draft).
// An entry's Paraphrases is nil when its row does not state them. Every
// bad row is reported with its line number; with any bad row, no entry is
// returned, so an import is never half done.
func ParseFAQFile(r io.Reader, format string) ([]tickets.FAQ, error) {
	r = skipBOM(r)
	var rows []faqRow
	var lines []int
	var errs []error
	bad := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("line %d: "+format, append([]any{line}, args...)...))
	}
	switch format {
	case "jsonl":
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64*1024), 16<<20)
		for n := 1; sc.Scan(); n++ {
			line := bytes.TrimSpace(sc.Bytes())
			if len(line) == 0 {
				continue
			}
			var row faqRow
			dec := json.NewDecoder(bytes.NewReader(line))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&row); err != nil {
				bad(n, "%v", err)
				continue
			}
			rows, lines = append(rows, row), append(lines, n)
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("desk: reading FAQ file: %w", err)
		}
	case "csv":
		cr := csv.NewReader(r)
		cr.FieldsPerRecord = -1
		head, err := cr.Read()
		if err != nil {
			return nil, fmt.Errorf("desk: FAQ CSV header: %w", err)
		}
		col := map[string]int{}
		for i, h := range head {
			h = strings.ToLower(strings.TrimSpace(h))
			if !slices.Contains(rowFields, h) && !slices.ContainsFunc(csvParaphraseColumns, func(c struct{ column, state string }) bool { return c.column == h }) {
				return nil, fmt.Errorf("desk: FAQ CSV line 1: unknown column %q", h)
			}
			col[h] = i
		}
		for _, need := range []string{"key", "question", "answer"} {
			if _, ok := col[need]; !ok {
				return nil, fmt.Errorf("desk: FAQ CSV line 1: missing column %q", need)
			}
		}
		for {
			rec, err := cr.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			line, _ := cr.FieldPos(0)
			if err != nil {
				bad(line, "%v", err)
				continue
			}
			get := func(name string) string {
				if i, ok := col[name]; ok && i < len(rec) {
					return strings.TrimSpace(rec[i])
				}
				return ""
			}
			row := faqRow{Key: get("key"), Question: get("question"), Answer: get("answer"), Language: get("language"), Status: get("status")}
			for _, t := range strings.FieldsFunc(get("tags"), func(r rune) bool { return r == ',' || r == ';' || r == '|' }) {
				row.Tags = append(row.Tags, strings.TrimSpace(t))
			}
			if v := get("needs_review"); v != "" {
				b, err := strconv.ParseBool(v)
				if err != nil {
					bad(line, "needs_review %q is not true or false", v)
					continue
				}
				row.NeedsReview = b
			}
			for _, c := range csvParaphraseColumns {
				if _, ok := col[c.column]; !ok {
					continue
				}
				if row.Paraphrases == nil {
					row.Paraphrases = &[]fileParaphrase{}
				}
				for _, text := range splitParagraphs(get(c.column)) {
					*row.Paraphrases = append(*row.Paraphrases, fileParaphrase{Text: text, State: c.state})
				}
			}
			rows, lines = append(rows, row), append(lines, line)
		}
	case "yaml":
		var nodes yaml.Node
		if err := yaml.NewDecoder(r).Decode(&nodes); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("desk: FAQ YAML: %w", err)
		}
		if len(nodes.Content) == 0 {
			break
		}
		seq := nodes.Content[0]
		if seq.Kind != yaml.SequenceNode {
			return nil, fmt.Errorf("desk: FAQ YAML line %d: want a list of entries", seq.Line)
		}
		for _, item := range seq.Content {
			var row faqRow
			if err := item.Decode(&row); err != nil {
				bad(item.Line, "%v", err)
				continue
			}
			if item.Kind == yaml.MappingNode {
				for i := 0; i < len(item.Content); i += 2 {
					if k := item.Content[i].Value; !slices.Contains(rowFields, k) {
						bad(item.Content[i].Line, "unknown field %q", k)
					}
				}
			}
			rows, lines = append(rows, row), append(lines, item.Line)
		}
	default:
		return nil, fmt.Errorf("desk: unknown FAQ file format %q", format)
	}
	seen := map[string]int{}
	out := make([]tickets.FAQ, 0, len(rows))
	for i, row := range rows {
		f := tickets.FAQ{Key: strings.TrimSpace(row.Key), Question: strings.TrimSpace(row.Question), Answer: strings.TrimSpace(row.Answer),
			Tags: row.Tags, Language: row.Language, Status: row.Status, NeedsReview: row.NeedsReview}
		if f.Status == "" {
			f.Status = tickets.FAQDraft
		}
		if row.Paraphrases != nil {
			f.Paraphrases = []tickets.Paraphrase{}
			for _, p := range *row.Paraphrases {
				if p.State == "" {
					p.State = tickets.ParaphraseConfirmed
				}
				f.Paraphrases = append(f.Paraphrases, tickets.Paraphrase{Text: strings.TrimSpace(p.Text), State: p.State})
			}
		}
		if err := tickets.ValidateFAQ(&f); err != nil {
			bad(lines[i], "%v", err)
			continue
		}
		if prev, dup := seen[f.Key]; dup {
			bad(lines[i], "key %q already on line %d", f.Key, prev)
			continue
		}
		seen[f.Key] = lines[i]
		out = append(out, f)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("desk: FAQ file has %d bad rows, nothing imported:\n%w", len(errs), errors.Join(errs...))
	}
	return out, nil
}

// WriteFAQFile writes entries in an import format, so export → import
// round-trips: with every entry's paraphrases, in their states, and where
// each came from.
func WriteFAQFile(w io.Writer, list []*tickets.FAQ, format string) error {
	rows := make([]faqRow, len(list))
	for i, f := range list {
		ps := make([]fileParaphrase, 0, len(f.Paraphrases))
		for _, p := range f.Paraphrases {
			ps = append(ps, fileParaphrase{Text: p.Text, State: p.State, Source: p.Source, Ticket: p.Ticket, AddedBy: p.AddedBy,
				AddedAt: fileTime(p.AddedAt), StateHow: p.StateHow, StateBy: p.StateBy, StateNote: p.StateNote, StateAt: fileTime(p.StateAt)})
		}
		rows[i] = faqRow{Key: f.Key, Question: f.Question, Answer: f.Answer, Tags: f.Tags, Language: f.Language, Status: f.Status,
			NeedsReview: f.NeedsReview, Paraphrases: &ps}
	}
	switch format {
	case "jsonl":
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for _, r := range rows {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write([]string{"key", "question", "answer", "tags", "language", "status", "needs_review", "paraphrases", "pending_paraphrases", "removed_paraphrases"})
		for _, r := range rows {
			rec := []string{r.Key, r.Question, r.Answer, strings.Join(r.Tags, ","), r.Language, r.Status, strconv.FormatBool(r.NeedsReview)}
			for _, c := range csvParaphraseColumns {
				var texts []string
				for _, p := range *r.Paraphrases {
					if p.State == c.state {
						texts = append(texts, p.Text)
					}
				}
				rec = append(rec, strings.Join(texts, "\n\n"))
			}
			cw.Write(rec)
		}
		cw.Flush()
		return cw.Error()
	case "yaml":
		enc := yaml.NewEncoder(w)
		defer enc.Close()
		return enc.Encode(rows)
	}
	return fmt.Errorf("desk: unknown FAQ file format %q", format)
}

// splitParagraphs cuts a CSV cell of paraphrases at its empty lines.
func splitParagraphs(cell string) []string {
	var out []string
	for _, p := range emptyLineRe.Split(strings.ReplaceAll(cell, "\r\n", "\n"), -1) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

var emptyLineRe = regexp.MustCompile(`\n[ \t]*\n`)

// fileTime is a time as a file shows it; "" for none.
func fileTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// skipBOM drops a leading UTF-8 byte order mark, as spreadsheet programs
// write, for every format alike: it marks the encoding, it is not part of
// the first row.
func skipBOM(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\ufeff")) {
		_, _ = br.Discard(3)
	}
	return br
}
