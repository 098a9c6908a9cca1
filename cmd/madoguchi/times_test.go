package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/config"
)

// tokyoDesk is the rest of a [desk] section: two tiers and the business
// hours of a Japanese in-house desk.
const tokyoDesk = twoTiers + `
[sla.hours]
weekdays = ["mon", "tue", "wed", "thu", "fri"]
from = "09:00"
to = "18:00"
time_zone = "Asia/Tokyo"
`

// printerMail is a customer's question, P3 by the built-in rules.
const printerMail = "From: Hanako Yamada <hanako@customer.example>\r\nTo: support@example.com\r\nSubject: Printer on 3F\r\n" +
	"Message-ID: <q1@customer.example>\r\nDate: Tue, 01 Dec 2026 00:00:00 +0000\r\n\r\nThe printer on the third floor prints blank pages.\r\n"

// A ticket opened at 09:00 JST on a Tuesday: its P3 resolve target (one
// business day) falls due at 18:00 JST. tickets list showed "DUE 09:00"
// (the machine's UTC, unsaid); every time at the terminal is now in
// desk.timezone and says its zone, --utc prints UTC, JSON stays RFC 3339.
func TestTickets_TimesAreInTheDeskTimezoneAndSayTheirZone(t *testing.T) {
	g := startInProcess(t, tokyoDesk).(*inProcess)
	g.Deliver(t, printerMail)
	g.Madoguchi(t, "run", "--once", "--now", "2026-12-01T09:00:00+09:00")

	list := g.Madoguchi(t, "tickets", "list")
	if !strings.Contains(list, "2026-12-01 18:00 JST") {
		t.Errorf("tickets list does not show the due time in JST:\n%s", list)
	}
	if utc := g.Madoguchi(t, "--utc", "tickets", "list"); !strings.Contains(utc, "2026-12-01 09:00 UTC") {
		t.Errorf("tickets list --utc:\n%s", utc)
	}
	var rows []struct {
		ResolveDueAt string `json:"resolve_due_at"`
	}
	if err := json.Unmarshal([]byte(g.Madoguchi(t, "tickets", "list", "--json")), &rows); err != nil || len(rows) != 1 || rows[0].ResolveDueAt != "2026-12-01T09:00:00Z" {
		t.Errorf("tickets list --json: %+v %v, want RFC 3339", rows, err)
	}
	show := g.Madoguchi(t, "tickets", "show", "INC-1001")
	for _, want := range []string{"created 2026-12-01 09:00 JST", "resolve by 2026-12-01 18:00 JST", "── 2026-12-01 09:00 JST in customer"} {
		if !strings.Contains(show, want) {
			t.Errorf("tickets show lacks %q:\n%s", want, show)
		}
	}
	if strings.Contains(show, "UTC") {
		t.Errorf("tickets show still prints UTC:\n%s", show)
	}
	inbound := g.Madoguchi(t, "inbound", "list")
	if !strings.Contains(inbound, "JST") {
		t.Errorf("inbound list does not say the zone:\n%s", inbound)
	}

	// desk.timezone wins over the business hours' zone, at the terminal
	// and in the agents' mails.
	berlin := startInProcess(t, "timezone = \"Europe/Berlin\"\n"+tokyoDesk).(*inProcess)
	berlin.Deliver(t, printerMail)
	berlin.Madoguchi(t, "run", "--once", "--now", "2026-12-01T09:00:00+09:00")
	if list := berlin.Madoguchi(t, "tickets", "list"); !strings.Contains(list, "2026-12-01 10:00 CET") {
		t.Errorf("tickets list with desk.timezone Europe/Berlin:\n%s", list)
	}
	var notice string
	for _, r := range berlin.Received() {
		if len(r.To) == 1 && r.To[0] == "l1@example.com" {
			m, err := r.Message()
			if err != nil {
				t.Fatal(err)
			}
			notice = m.Text
		}
	}
	if !strings.Contains(notice, "2026-12-01 10:00 CET") {
		t.Errorf("the notice to L1 does not give the due time in desk.timezone:\n%s", notice)
	}
}

// check-config says what each SLA target means on the clock: a business
// day is the working day, hours are business hours, and when a ticket
// opened as the desk opens falls due.
func TestCheckConfig_SaysWhatEachSLATargetMeansOnTheClock(t *testing.T) {
	t.Setenv("MADOGUCHI_DESK_SECRET", "times-secret-0123456789")
	out, _, err := cli(t, "", "--config", writeConfig(t, strings.SplitN(tokyoDesk, "\n", 2)[1]+`
[sla.P3]
respond = "2h"
resolve = "1bd"
[sla.P4]
resolve = "24h"
`), "check-config")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# times are shown in Asia/Tokyo (sla.hours.time_zone, as desk.timezone is not set)",
		"# SLA targets count business time: mon, tue, wed, thu, fri 09:00–18:00 Asia/Tokyo, holidays aside; a business day (bd) is 9h",
		"# sla.P3.resolve = 1bd (9h of business time; from Mon 09:00 due Mon 18:00)",
		"# sla.P4.resolve = 24h (24h of business time; from Mon 09:00 due Wed 15:00, 2 days later)",
		"# sla.P5.resolve = 7bd (63h of business time; from Mon 09:00 due Tue 18:00, 8 days later)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check-config lacks %q:\n%s", want, out)
		}
	}
	_, _, err = cli(t, "", "--config", writeConfig(t, strings.SplitN(tokyoDesk, "\n", 2)[1]+"[sla.P3]\nresolve = \"1d\"\n"), "check-config")
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 2 || !strings.Contains(err.Error(), `config: sla.P3.resolve: "1d" counts calendar days`) || !strings.Contains(err.Error(), `write "1bd"`) {
		t.Fatalf("a target in calendar days with business hours: %v", err)
	}
}

// A CLI action queues its mail in the database; the running gateway used
// to send it at its next tick, up to a minute later. The command wakes it:
// the relay reaches the SMTP server while `run` goes on, well before the
// sender's one-minute fallback.
func TestRun_AnActionFromAnotherProcessIsSentAtOnce(t *testing.T) {
	cfg, imapSrv, smtpSrv := onServers(t)
	cfg.Desk.Secret = "times-secret-0123456789"
	cfg.Escalation.Tiers = []config.Tier{{Name: "L1", Notify: []string{"l1@example.com"}, Agents: []string{"alice@example.com"}}}
	cfg.IMAP.PollInterval = config.Duration{Duration: time.Hour}
	stop := runInBackground(t, cfg)
	if _, err := imapSrv.Append("INBOX", []byte(printerMail)); err != nil {
		t.Fatal(err)
	}
	wait := func(n int, what string) {
		t.Helper()
		// The bound is half the sender's fallback: only a wake meets it.
		wctx, wcancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer wcancel()
		if _, err := smtpSrv.Wait(wctx, n); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	wait(2, "the acknowledgement and the notice")

	// The admin's command is another process as far as the store can
	// tell: its own connection, its own writes, the gateway's lock held.
	out, _, err := cli(t, "", "--config", writeWholeConfig(t, cfg), "tickets", "reply", "INC-1001", "--actor", "alice@example.com", "Please switch the printer off and on again.")
	if err != nil || !strings.Contains(out, "queued relay") {
		t.Fatalf("tickets reply: %v %q", err, out)
	}
	// The reply sends the relay to the customer and may tell the tier
	// (the "Answered" notice) in either order: wait for mail until the
	// relay is among it.
	relayed := func() bool {
		for _, m := range smtpSrv.Received()[2:] {
			if len(m.To) == 1 && m.To[0] == "hanako@customer.example" && strings.Contains(string(m.Data), "switch the printer off") {
				return true
			}
		}
		return false
	}
	for n := 3; !relayed(); n++ {
		if n > 4 {
			t.Fatalf("no relay to the customer among the mails after the reply: %d mails", len(smtpSrv.Received()))
		}
		wait(n, "the relay while run is running")
	}
	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
}

// runInBackground starts `run` on cfg; stop cancels it, as SIGINT or
// SIGTERM would, and returns what run returned (an error when it has not
// stopped 30 s after).
func runInBackground(t *testing.T, cfg *config.Config) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := openGateway(ctx, cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.run(ctx) }()
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(30 * time.Second):
				runErr = errors.New("run did not stop within 30s of its cancel")
			}
			a.close()
		})
		return runErr
	}
	t.Cleanup(func() { stop() })
	return stop
}

// writeWholeConfig writes cfg as a configuration file, for the commands
// that act as the gateway would.
func writeWholeConfig(t *testing.T, cfg *config.Config) string {
	t.Helper()
	b, err := cfg.TOML()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "madoguchi.toml")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
