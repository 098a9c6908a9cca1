package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const mailWithAttachments = "From: Hanako <hanako@customer.example>\r\nTo: support@example.com\r\nSubject: screenshot\r\nMessage-ID: <att1@c>\r\n" +
	"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n" +
	"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe error is in the screenshot.\r\n" +
	"--b1\r\nContent-Type: text/plain; name=\"log.txt\"\r\nContent-Disposition: attachment; filename=\"log.txt\"\r\n\r\nline 1\r\nline 2\r\n" +
	"--b1\r\nContent-Type: application/octet-stream; name=\"dump.bin\"\r\nContent-Disposition: attachment; filename=\"dump.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECA/7/\r\n" +
	"--b1--\r\n"

func TestTicketsAttachment_SavesTheBytesNumberedAsShowNumbersThem(t *testing.T) {
	cfg := writeConfig(t, "[responder]\nenabled = false\n")
	receive(t, cfg, mailWithAttachments)
	out, _, err := cli(t, "", "--config", cfg, "tickets", "list", "--json")
	var list []struct{ Ref string }
	if err != nil || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 {
		t.Fatalf("tickets list: %v %s", err, out)
	}
	ref := list[0].Ref
	show, _, err := cli(t, "", "--config", cfg, "tickets", "show", ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"[attachment 1] log.txt (text/plain", "[attachment 2] dump.bin (application/octet-stream, 6 bytes)"} {
		if !strings.Contains(show, want) {
			t.Errorf("tickets show lacks %q:\n%s", want, show)
		}
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "dump.bin")
	out, _, err = cli(t, "", "--config", cfg, "tickets", "attachment", ref, "2", "--output", file)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(file); !bytes.Equal(b, []byte{0, 1, 2, 3, 0xfe, 0xff}) {
		t.Errorf("saved %x, want 00010203feff", b)
	}
	if !strings.Contains(out, "dump.bin") || !strings.Contains(out, file) {
		t.Errorf("no word of what was saved where: %q", out)
	}
	// An existing file is kept unless --force.
	os.WriteFile(file, []byte("mine"), 0o600)
	_, _, err = cli(t, "", "--config", cfg, "tickets", "attachment", ref, "2", "--output", file)
	if err == nil || !strings.Contains(err.Error(), "exists") || !strings.Contains(err.Error(), "--force") {
		t.Errorf("over an existing file: %v", err)
	}
	if b, _ := os.ReadFile(file); string(b) != "mine" {
		t.Errorf("the existing file was changed: %q", b)
	}
	if _, _, err := cli(t, "", "--config", cfg, "tickets", "attachment", ref, "2", "--output", file, "--force"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(file); len(b) != 6 {
		t.Errorf("--force did not replace the file: %q", b)
	}
	// Standard output when it is not a terminal, or with --output -.
	for _, args := range [][]string{{}, {"--output", "-"}} {
		out, _, err := cli(t, "", append([]string{"--config", cfg, "tickets", "attachment", ref, "1"}, args...)...)
		if err != nil || out != "line 1\r\nline 2" && out != "line 1\r\nline 2\r\n" {
			t.Errorf("attachment 1 to standard output %v: %v %q", args, err, out)
		}
	}
	// Numbers that name nothing.
	for _, n := range []string{"0", "3", "x"} {
		_, _, err := cli(t, "", "--config", cfg, "tickets", "attachment", ref, n)
		if err == nil {
			t.Errorf("attachment %s was accepted", n)
		}
	}
	if _, _, err := cli(t, "", "--config", cfg, "tickets", "attachment", ref, "3"); err == nil || !strings.Contains(err.Error(), "has 2 attachments") {
		t.Errorf("attachment 3 of 2: %v", err)
	}
	if _, _, err := cli(t, "", "--config", cfg, "tickets", "attachment", "INC-9999", "1"); err == nil || !strings.Contains(err.Error(), "no ticket INC-9999") {
		t.Errorf("attachment of no ticket: %v", err)
	}
}

// Bytes of a stranger's file never reach a terminal unasked.
func TestTicketsAttachment_RefusesATerminalWithoutOutput(t *testing.T) {
	cfg := writeConfig(t, "[responder]\nenabled = false\n")
	receive(t, cfg, mailWithAttachments)
	f, err := os.Create(filepath.Join(t.TempDir(), "tty"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	was := isTerminal
	isTerminal = func(*os.File) bool { return true }
	defer func() { isTerminal = was }()
	run := func(args ...string) error {
		root := newRoot()
		root.SetOut(f)
		root.SetErr(&bytes.Buffer{})
		root.SetArgs(append([]string{"--config", cfg, "tickets", "attachment", "INC-1001", "2"}, args...))
		return root.ExecuteContext(context.Background())
	}
	if err := run(); exitCode(err) != 2 || !strings.Contains(err.Error(), "--output") {
		t.Fatalf("to a terminal without --output: %v", err)
	}
	if st, _ := f.Stat(); st.Size() != 0 {
		t.Fatalf("%d bytes reached the terminal", st.Size())
	}
	if err := run("--output", "-"); err != nil {
		t.Fatal(err)
	}
	if st, _ := f.Stat(); st.Size() != 6 {
		t.Fatalf("--output - wrote %d bytes, want 6", st.Size())
	}
}
