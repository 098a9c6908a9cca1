package desk

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/tickets"
)

func TestAPIToken_PrintedOnceStoredHashedRefusedOnceRevoked(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	secret, tok, err := f.desk.CreateToken(ctx, "grafana", ScopeRead, "root")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "mdg_"+tok.ID+"_") || len(secret) < 60 {
		t.Fatalf("token %q (id %s)", secret, tok.ID)
	}
	got, err := f.desk.Authenticate(ctx, secret)
	if err != nil || got.Name != "grafana" || got.Scope != string(ScopeRead) {
		t.Fatalf("Authenticate = %+v, %v", got, err)
	}
	for _, bad := range []string{"", secret + "x", secret[:len(secret)-1], "mdg_" + tok.ID, "mdg_0000000000000000_" + secret[len(secret)-43:],
		strings.Replace(secret, tok.ID, "ffffffffffffffff", 1), "Bearer " + secret} {
		if _, err := f.desk.Authenticate(ctx, bad); !errors.Is(err, ErrBadToken) {
			t.Errorf("Authenticate(%q) = %v, want ErrBadToken", bad, err)
		}
	}
	// Neither the database nor its write-ahead log holds the secret.
	f.store.Close()
	for _, suffix := range []string{"", "-wal"} {
		data, err := os.ReadFile(f.store.Path() + suffix)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(secret[len(secret)-43:])) {
			t.Errorf("the secret is in %s", f.store.Path()+suffix)
		}
	}
	f = reopen(t, f)
	if err := f.desk.RevokeToken(ctx, "grafana", "root"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.desk.Authenticate(ctx, secret); !errors.Is(err, ErrBadToken) {
		t.Errorf("a revoked token: %v, want ErrBadToken", err)
	}
	if err := f.desk.RevokeToken(ctx, "grafana", "root"); !errors.Is(err, ErrNoToken) {
		t.Errorf("revoking it again: %v, want ErrNoToken", err)
	}
	list, err := f.desk.Tokens(ctx)
	if err != nil || len(list) != 1 || list[0].RevokedAt.IsZero() || list[0].LastUsedAt.IsZero() {
		t.Errorf("tokens = %+v, %v; want grafana, used and revoked", list, err)
	}
	var kinds []string
	f.update(func(tx *tickets.Tx) error {
		rows, err := tx.TokenEvents("grafana")
		for _, e := range rows {
			kinds = append(kinds, e.Kind+" by "+e.Actor)
		}
		return err
	})
	if strings.Join(kinds, ", ") != "api_token_created by root, api_token_revoked by root" {
		t.Errorf("audit trail: %v", kinds)
	}
}

// reopen opens the fixture's store file again, as the next process would.
func reopen(t *testing.T, f *fixture) *fixture {
	t.Helper()
	store, err := tickets.Open(f.store.Path(), &tickets.Options{Now: func() time.Time { return f.now }, SLA: &f.desk.opts.SLA})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	d, err := New(f.desk.opts, Deps{Store: store, Templates: f.desk.tmpl})
	if err != nil {
		t.Fatal(err)
	}
	f.desk, f.store = d, store
	return f
}

func TestAPIToken_NamesAndScopes(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	for _, name := range []string{"", "a b", "alice@example.com", "-x", "system", "Terminal", strings.Repeat("x", 65), "a\nb"} {
		if _, _, err := f.desk.CreateToken(ctx, name, ScopeRead, "root"); !errors.Is(err, ErrTokenName) {
			t.Errorf("name %q: %v, want ErrTokenName", name, err)
		}
	}
	if _, _, err := f.desk.CreateToken(ctx, "ci", "admin", "root"); err == nil {
		t.Error("scope admin was accepted")
	}
	if _, _, err := f.desk.CreateToken(ctx, "ci.deploy-1", ScopeWrite, "root"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.desk.CreateToken(ctx, "ci.deploy-1", ScopeRead, "root"); !errors.Is(err, tickets.ErrTokenNameInUse) {
		t.Errorf("a second live ci.deploy-1: %v", err)
	}
	allows := map[Scope][]Scope{
		ScopeRead:    {ScopeRead, ScopeMetrics},
		ScopeWrite:   {ScopeRead, ScopeWrite, ScopeMetrics},
		ScopeAlerts:  {ScopeAlerts},
		ScopeMetrics: {ScopeMetrics},
	}
	for _, have := range Scopes {
		for _, need := range Scopes {
			want := false
			for _, s := range allows[have] {
				want = want || s == need
			}
			if have.Allows(need) != want {
				t.Errorf("%s allows %s = %v, want %v", have, need, have.Allows(need), want)
			}
		}
	}
}

func TestCheckStore_FailsWhenTheStoreTakesNoWrite(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	if err := f.desk.CheckStore(ctx); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+f.store.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TRIGGER full_disk BEFORE UPDATE ON health_probe BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`); err != nil {
		t.Fatal(err)
	}
	if err := f.desk.CheckStore(ctx); err == nil || !strings.Contains(err.Error(), "disk is full") {
		t.Errorf("CheckStore with a full disk = %v", err)
	}
}

func TestGauges_NameTheTiersAndAgeTheOldestMail(t *testing.T) {
	f := newAgentFixture(t, nil)
	f.escalated("The scanner does not send mail.")
	f.now = f.now.Add(90 * time.Second)
	g, err := f.desk.Gauges(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Open) != 1 || g.Open[0] != (OpenTickets{Status: tickets.StatusEscalated, Tier: "L1", Count: 1}) {
		t.Errorf("open = %+v, want one escalated with L1", g.Open)
	}
	if g.Outgoing[tickets.OutPending] != len(f.outgoing()) || g.OldestPending != 90*time.Second {
		t.Errorf("outgoing %v, oldest %s; want %d pending, 1m30s", g.Outgoing, g.OldestPending, len(f.outgoing()))
	}
}
