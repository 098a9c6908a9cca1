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
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/madoguchi/madoguchi/tickets"
)

// faqRow is one entry of an import or export file.
type faqRow struct {
	Key      string   `json:"key" yaml:"key"`
	Question string   `json:"question" yaml:"question"`
	Answer   string   `json:"answer" yaml:"answer"`
	Tags     []string `json:"tags,omitempty" yaml:"tags,omitempty"`
	Language string   `json:"language,omitempty" yaml:"language,omitempty"`
	Status   string   `json:"status,omitempty" yaml:"status,omitempty"`
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
// language, status; status defaults to draft). Every bad row is reported
// with its line number; with any bad row, no entry is returned, so an
// import is never half done.
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
			switch h {
			case "key", "question", "answer", "tags", "language", "status":
				col[h] = i
			default:
				return nil, fmt.Errorf("desk: FAQ CSV line 1: unknown column %q", h)
			}
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
					switch k := item.Content[i].Value; k {
					case "key", "question", "answer", "tags", "language", "status":
					default:
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
			Tags: row.Tags, Language: row.Language, Status: row.Status}
		if f.Status == "" {
			f.Status = tickets.FAQDraft
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
// round-trips.
func WriteFAQFile(w io.Writer, list []*tickets.FAQ, format string) error {
	rows := make([]faqRow, len(list))
	for i, f := range list {
		rows[i] = faqRow{Key: f.Key, Question: f.Question, Answer: f.Answer, Tags: f.Tags, Language: f.Language, Status: f.Status}
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
		cw.Write([]string{"key", "question", "answer", "tags", "language", "status"})
		for _, r := range rows {
			cw.Write([]string{r.Key, r.Question, r.Answer, strings.Join(r.Tags, ","), r.Language, r.Status})
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
