package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"unicode"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"
	"golang.org/x/text/width"
)

// table is the one way list commands print rows: columns aligned by the
// width a terminal gives each character (a Japanese subject takes two
// cells a character), long cells cut with "…", through $PAGER when the
// output is a terminal.
type table struct {
	head []string
	rows [][]string
}

// maxCell is the widest a cell may be, in terminal cells.
const maxCell = 60

func newTable(head ...string) *table { return &table{head: head} }

// row adds a row; each cell is made printable and put on one line.
func (t *table) row(cells ...string) {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = truncateWidth(strings.Join(strings.Fields(printable(c)), " "), maxCell)
	}
	t.rows = append(t.rows, out)
}

// print writes the table to the command's output, paged on a terminal.
func (t *table) print(c *cobra.Command) error {
	return paged(c.OutOrStdout(), os.LookupEnv, t.bytes())
}

// bytes is the table as text: every column but the last padded to its
// widest cell, two spaces between columns, no trailing blanks.
func (t *table) bytes() []byte {
	all := append([][]string{t.head}, t.rows...)
	widths := make([]int, len(t.head))
	for _, r := range all {
		for i, c := range r {
			if i < len(widths) {
				widths[i] = max(widths[i], displayWidth(c))
			}
		}
	}
	var b strings.Builder
	for _, r := range all {
		var line strings.Builder
		for i, c := range r {
			line.WriteString(c)
			if i < len(r)-1 && i < len(widths) {
				line.WriteString(strings.Repeat(" ", widths[i]-displayWidth(c)+2))
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// runeWidth is how many terminal cells r takes: two for East Asian Wide
// and Fullwidth characters (kanji, kana, fullwidth letters), none for
// combining marks, one for the rest (East Asian Ambiguous ones included,
// as terminals outside CJK locales draw them).
func runeWidth(r rune) int {
	if unicode.In(r, unicode.Mn, unicode.Me) {
		return 0
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}

func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		n += runeWidth(r)
	}
	return n
}

// truncateWidth cuts s to at most limit cells, ending it with "…" when
// anything was cut.
func truncateWidth(s string, limit int) string {
	if displayWidth(s) <= limit {
		return s
	}
	n := 0
	for i, r := range s {
		if n+runeWidth(r) > limit-1 {
			return s[:i] + "…"
		}
		n += runeWidth(r)
	}
	return s
}

// paged writes text to w, or, when w is a terminal, to the standard input
// of $PAGER (default "less", with LESS=FRX unless LESS is set, so that one
// screen is printed as it is). Pipes, files and buffers (scripts, tests)
// get the text directly, and so does a terminal when PAGER is set empty or
// to "cat", or when the pager cannot be run.
func paged(w io.Writer, lookup func(string) (string, bool), text []byte) error {
	f, ok := w.(*os.File)
	if !ok || !isTerminal(f) {
		_, err := w.Write(text)
		return err
	}
	pager, set := lookup("PAGER")
	if !set {
		pager = "less"
	}
	if p := strings.TrimSpace(pager); p == "" || p == "cat" {
		_, err := f.Write(text)
		return err
	}
	cmd := exec.Command("/bin/sh", "-c", pager)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(text), f, os.Stderr
	cmd.Env = os.Environ()
	if _, set := lookup("LESS"); !set {
		cmd.Env = append(cmd.Env, "LESS=FRX")
	}
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &exit) && exit.ExitCode() == 127, !errors.As(err, &exit):
		// The shell found no such pager, or there is no shell.
		_, err := f.Write(text)
		return err
	}
	return fmt.Errorf("pager %q: %w", pager, err)
}

// isTerminal is a variable so that a test can run the pager on a file.
var isTerminal = func(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}
