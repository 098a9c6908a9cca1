package desk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/templates"
)

func withConsole(o *Options) {
	withTiers(o)
	o.Admins = []string{"boss@example.com"}
	o.ConsoleURL = "https://desk.example.com/"
	o.SessionLifetime = 8 * time.Hour
}

var linkRE = regexp.MustCompile(`https://desk\.example\.com/signin/([A-Za-z0-9_-]{43})`)

// signInMail returns the token of the last sign-in link mailed to addr.
func (f *fixture) signInToken(addr string) string {
	f.t.Helper()
	list := f.sent(mailSignIn, addr)
	if len(list) == 0 {
		f.t.Fatalf("no sign-in mail to %s", addr)
	}
	m := linkRE.FindStringSubmatch(list[len(list)-1].Text)
	if m == nil {
		f.t.Fatalf("no link in the sign-in mail:\n%s", list[len(list)-1].Text)
	}
	return m[1]
}

func TestRoleOf_AdminsAndTheTiersAgents(t *testing.T) {
	f := newFixture(t, withConsole)
	for addr, want := range map[string]Role{"Boss@Example.com": RoleAdmin, "carol@example.com": RoleAgent, "alice@example.com": RoleAgent,
		"l1@example.com": RoleNone, "hanako@customer.example": RoleNone, "": RoleNone} {
		if got := f.desk.RoleOf(addr); got != want {
			t.Errorf("RoleOf(%q) = %q, want %q", addr, got, want)
		}
	}
}

func TestRequestSignIn_MailsAgentsAndAdminsOnlyAndSaysNothing(t *testing.T) {
	f := newFixture(t, withConsole)
	ctx := context.Background()
	for _, addr := range []string{"alice@example.com", "stranger@example.com", "BOSS@example.com"} {
		if err := f.desk.RequestSignIn(ctx, addr, "ja"); err != nil {
			t.Fatalf("RequestSignIn(%s): %v", addr, err)
		}
	}
	out := f.outgoing()
	if len(out) != 2 || out[0].To != "alice@example.com" || out[1].To != "boss@example.com" {
		t.Fatalf("sign-in mails to %v, want alice and boss only", out)
	}
	m := out[0]
	if m.Kind != mailSignIn || m.TicketID != 0 || m.AutoSubmitted != "auto-generated" || !strings.Contains(m.Subject, "サインイン") || !linkRE.MatchString(m.Text) {
		t.Errorf("sign-in mail %+v", m)
	}
}

func TestSignIn_OnceWithinFifteenMinutesAndTheSessionUntilSignOut(t *testing.T) {
	f := newFixture(t, withConsole)
	ctx := context.Background()
	if err := f.desk.RequestSignIn(ctx, "alice@example.com", "en"); err != nil {
		t.Fatal(err)
	}
	token := f.signInToken("alice@example.com")
	secret, s, err := f.desk.SignIn(ctx, token)
	if err != nil || s.Addr != "alice@example.com" || s.Role != RoleAgent || !s.ExpiresAt.Equal(f.now.Add(8*time.Hour)) {
		t.Fatalf("SignIn = %+v, %v", s, err)
	}
	if _, _, err := f.desk.SignIn(ctx, token); !errors.Is(err, ErrLinkUsed) {
		t.Errorf("second use of the link: %v, want ErrLinkUsed", err)
	}
	if _, _, err := f.desk.SignIn(ctx, token+"x"); !errors.Is(err, ErrLinkUnknown) {
		t.Errorf("a made-up link: %v, want ErrLinkUnknown", err)
	}
	if got, err := f.desk.Session(ctx, secret); err != nil || got.Addr != "alice@example.com" {
		t.Fatalf("Session = %+v, %v", got, err)
	}
	// A second device, then sign out of the first: the second stays.
	link, err := f.desk.SignInLink(ctx, "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	secret2, _, err := f.desk.SignIn(ctx, link[strings.LastIndexByte(link, '/')+1:])
	if err != nil {
		t.Fatal(err)
	}
	if err := f.desk.SignOut(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if _, err := f.desk.Session(ctx, secret); !errors.Is(err, ErrNoSession) {
		t.Errorf("a signed-out session: %v, want ErrNoSession", err)
	}
	if _, err := f.desk.Session(ctx, secret2); err != nil {
		t.Errorf("the other device was signed out too: %v", err)
	}
	if n, err := f.desk.SignOutEverywhere(ctx, "alice@example.com"); err != nil || n != 1 {
		t.Errorf("SignOutEverywhere = %d, %v; want 1", n, err)
	}
	if _, err := f.desk.Session(ctx, secret2); !errors.Is(err, ErrNoSession) {
		t.Errorf("after signing out everywhere: %v", err)
	}
	// A link past its 15 minutes says so.
	if err := f.desk.RequestSignIn(ctx, "alice@example.com", "en"); err != nil {
		t.Fatal(err)
	}
	late := f.signInToken("alice@example.com")
	f.now = f.now.Add(SignInLifetime)
	if _, _, err := f.desk.SignIn(ctx, late); !errors.Is(err, ErrLinkExpired) {
		t.Errorf("a link after 15 minutes: %v, want ErrLinkExpired", err)
	}
}

// Peeking at a link, as the console's page of a link does for every GET
// (a mail scanner's among them), spends nothing: the link still signs in
// afterwards. A link that would not sign in is refused for the reason
// SignIn would give.
func TestPeekSignIn_SpendsNothingAndRefusesAsSignInWould(t *testing.T) {
	f := newFixture(t, withConsole)
	ctx := context.Background()
	link, err := f.desk.SignInLink(ctx, "Alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	token := link[strings.LastIndexByte(link, '/')+1:]
	for range 3 {
		if addr, r, err := f.desk.PeekSignIn(ctx, token); err != nil || addr != "alice@example.com" || r != RoleAgent {
			t.Fatalf("PeekSignIn = %s %s %v", addr, r, err)
		}
	}
	if _, s, err := f.desk.SignIn(ctx, token); err != nil || s.Addr != "alice@example.com" {
		t.Fatalf("SignIn after peeking = %+v, %v", s, err)
	}
	if _, _, err := f.desk.PeekSignIn(ctx, token); !errors.Is(err, ErrLinkUsed) {
		t.Errorf("peek of a used link: %v, want ErrLinkUsed", err)
	}
	if _, _, err := f.desk.PeekSignIn(ctx, token+"x"); !errors.Is(err, ErrLinkUnknown) {
		t.Errorf("peek of a made-up link: %v, want ErrLinkUnknown", err)
	}
	bob, _ := f.desk.SignInLink(ctx, "bob@example.com")
	f.desk.opts.Tiers[0].Agents = []string{"alice@example.com"} // bob left the team before he opened it
	if _, _, err := f.desk.PeekSignIn(ctx, bob[strings.LastIndexByte(bob, '/')+1:]); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("peek of the link of one who left: %v, want ErrNotAllowed", err)
	}
	late, _ := f.desk.SignInLink(ctx, "alice@example.com")
	f.now = f.now.Add(SignInLifetime)
	if _, _, err := f.desk.PeekSignIn(ctx, late[strings.LastIndexByte(late, '/')+1:]); !errors.Is(err, ErrLinkExpired) {
		t.Errorf("peek of a link after 15 minutes: %v, want ErrLinkExpired", err)
	}
}

func TestSession_EndsWhenTheAddressLosesItsRoleOrTime(t *testing.T) {
	f := newFixture(t, withConsole)
	ctx := context.Background()
	link, err := f.desk.SignInLink(ctx, "bob@example.com")
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := f.desk.SignIn(ctx, link[strings.LastIndexByte(link, '/')+1:])
	if err != nil {
		t.Fatal(err)
	}
	f.desk.opts.Tiers[0].Agents = []string{"alice@example.com"} // bob left the team; the configuration was reloaded
	if _, err := f.desk.Session(ctx, secret); !errors.Is(err, ErrNoSession) {
		t.Errorf("bob's session after he left the lists: %v", err)
	}
	if _, err := f.desk.SignInLink(ctx, "bob@example.com"); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("a link for bob: %v, want ErrNotAllowed", err)
	}
	link, _ = f.desk.SignInLink(ctx, "alice@example.com")
	secret, _, _ = f.desk.SignIn(ctx, link[strings.LastIndexByte(link, '/')+1:])
	f.now = f.now.Add(8 * time.Hour)
	if _, err := f.desk.Session(ctx, secret); !errors.Is(err, ErrNoSession) {
		t.Errorf("a session past session_lifetime: %v", err)
	}
}

// The store keeps hashes: neither a link's token nor a session's secret
// can be read back from it, and a dead link is taken out of its mail.
func TestSignIn_TheStoreKeepsNoSecret(t *testing.T) {
	f := newFixture(t, withConsole)
	ctx := context.Background()
	if err := f.desk.RequestSignIn(ctx, "alice@example.com", "en"); err != nil {
		t.Fatal(err)
	}
	token := f.signInToken("alice@example.com")
	secret, _, err := f.desk.SignIn(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.MarkSent(ctx, f.outgoing()[0].ID, f.now); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(SignInLifetime + time.Minute)
	if err := f.desk.PurgeSignIns(ctx); err != nil {
		t.Fatal(err)
	}
	dump := f.dumpText()
	for name, s := range map[string]string{"token": token, "session secret": secret} {
		if strings.Contains(dump, s) {
			t.Errorf("the store holds the %s", name)
		}
	}
	if !strings.Contains(dump, hashOf(secret)) {
		t.Error("the session's hash is not in the store: the dump reads nothing")
	}
}

func TestSendDigest_OncePerWeekAcrossRestarts(t *testing.T) {
	f := newFixture(t, func(o *Options) {
		withConsole(o)
		o.Digest = DigestWeekly
		o.Admins = []string{"boss@example.com", "lead@example.com"}
	})
	ctx := context.Background()
	// Monday 2026-11-30: last week is 23–29 November. Two tickets then.
	f.now = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	f.one(mail("ann@customer.example", "VPN drops", "The VPN drops every hour.", "Message-ID: <d1@customer.example>"))
	f.one(mail("ben@customer.example", "Printer jam", "Jammed again.", "Message-ID: <d2@customer.example>"))
	f.now = time.Date(2026, 11, 30, 0, 5, 0, 0, time.UTC)
	sent, err := f.desk.SendDigest(ctx)
	if err != nil || !sent {
		t.Fatalf("SendDigest = %v, %v; want one queued", sent, err)
	}
	digests := f.sent(mailAdminDigest, "")
	if len(digests) != 2 || digests[0].To != "boss@example.com" || digests[1].To != "lead@example.com" {
		t.Fatalf("digests %v", digests)
	}
	for _, want := range []string{"2026-11-23 – 2026-11-29", "New tickets:              2", "Open at the end:          2",
		"https://desk.example.com/reports?from=2026-11-23&to=2026-11-29"} {
		if !strings.Contains(digests[0].Subject+digests[0].Text, want) {
			t.Errorf("digest lacks %q:\n%s\n%s", want, digests[0].Subject, digests[0].Text)
		}
	}
	if sent, err := f.desk.SendDigest(ctx); sent || err != nil {
		t.Errorf("second call in the week: %v, %v", sent, err)
	}
	// A restart: a new desk on the same store sends nothing more.
	tmpl, _ := templates.New("")
	again, err := New(f.desk.opts, Deps{Store: f.store, Templates: tmpl})
	if err != nil {
		t.Fatal(err)
	}
	if sent, err := again.SendDigest(ctx); sent || err != nil {
		t.Errorf("after a restart: %v, %v", sent, err)
	}
	f.now = f.now.AddDate(0, 0, 7)
	if sent, err := again.SendDigest(ctx); !sent || err != nil {
		t.Errorf("next week: %v, %v", sent, err)
	}
	if n := len(f.sent(mailAdminDigest, "")); n != 4 {
		t.Errorf("%d digests in two weeks to two admins, want 4", n)
	}
}

func TestDigestPeriod_DailyAndWeeklyInTheDesksZone(t *testing.T) {
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	f := newFixture(t, func(o *Options) { o.ConsoleLocation = tokyo; o.Digest = DigestDaily })
	// 2026-12-07 23:30 UTC is Tuesday 8 December 08:30 in Tokyo.
	at := time.Date(2026, 12, 7, 23, 30, 0, 0, time.UTC)
	key, first, last, ok := f.desk.DigestPeriod(at)
	if !ok || key != "daily 2026-12-07" || !first.Equal(last) || first.Location() != tokyo {
		t.Errorf("daily: %q %v %v %v", key, first, last, ok)
	}
	f.desk.opts.Digest = DigestWeekly
	key, first, last, _ = f.desk.DigestPeriod(at)
	if key != "weekly 2026-W49" || first.Format(time.DateOnly) != "2026-11-30" || last.Format(time.DateOnly) != "2026-12-06" {
		t.Errorf("weekly: %q %v %v", key, first, last)
	}
	f.desk.opts.Digest = ""
	if _, _, _, ok := f.desk.DigestPeriod(at); ok {
		t.Error("a period without a digest")
	}
}

// dumpText reads every value of every table of the store, as text.
func (f *fixture) dumpText() string {
	f.t.Helper()
	db, err := sql.Open("sqlite", f.store.Path())
	if err != nil {
		f.t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT name FROM sqlite_master WHERE type = 'table'")
	if err != nil {
		f.t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	rows.Close()
	var b strings.Builder
	for _, n := range names {
		rows, err := db.Query(`SELECT * FROM "` + n + `"`)
		if err != nil {
			f.t.Fatalf("%s: %v", n, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				f.t.Fatal(err)
			}
			for _, v := range vals {
				fmt.Fprintf(&b, "%s\n", v)
			}
		}
		rows.Close()
	}
	return b.String()
}
