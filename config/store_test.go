package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParse_StoreDriverAndWhatEachNeeds(t *testing.T) {
	for _, tt := range []struct {
		name, src, want string
	}{
		{"unknown driver", "[store]\ndriver = \"mysql\"", "store.driver"},
		{"postgres without a dsn", "[store]\ndriver = \"postgres\"", "store.dsn: is required with driver = \"postgres\""},
		{"a dsn for sqlite", "[store]\ndsn = \"postgres://a:pw@db/x\"", "store.dsn: is for driver = \"postgres\""},
		{"a dsn that is none", "[store]\ndriver = \"postgres\"\ndsn = \"pw-only\"", "store.dsn: is neither a postgres:// URL nor key=value settings"},
		{"a pool of none", "[store]\ndriver = \"postgres\"\ndsn = \"postgres://db/x\"\nmax_conns = 0", "store.max_conns"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.src), nil, "")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want %s", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "pw") {
				t.Errorf("error shows the dsn: %v", err)
			}
		})
	}
	c := mustParse(t, "[store]\ndriver = \"postgres\"\ndsn = \"postgres://madoguchi:pw@db/desk\"")
	if c.Store.Driver != StorePostgres || c.Store.DSN.Reveal() != "postgres://madoguchi:pw@db/desk" || c.Store.MaxConns != 10 {
		t.Errorf("store = %+v", c.Store)
	}
}

// The dsn holds the database's password: it comes from dsn_file (relative
// to the config's directory) or the environment, and check-config masks it.
func TestParse_StoreDSNIsASecretFromItsFileOrTheEnvironmentAndMasked(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dsn"), []byte("postgres://madoguchi:s3cret@db/desk\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Parse([]byte("[store]\ndriver = \"postgres\"\ndsn_file = \"dsn\""), nil, dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.Store.DSN.Reveal() != "postgres://madoguchi:s3cret@db/desk" {
		t.Errorf("dsn = %q", c.Store.DSN.Reveal())
	}
	b, err := c.Masked().TOML()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "s3cret") || !strings.Contains(string(b), "dsn_file = ") {
		t.Errorf("masked configuration shows the dsn, or not its file:\n%s", b)
	}
	m := mustParse(t, "[store]\ndriver = \"postgres\"\ndsn = \"postgres://madoguchi:s3cret@db/desk\"").Masked()
	if m.Store.DSN != MaskedValue {
		t.Errorf("masked dsn = %q", m.Store.DSN.Reveal())
	}
	c, err = Parse([]byte("[store]\ndriver = \"postgres\""), envMap(map[string]string{"MADOGUCHI_STORE_DSN": "host=db password=s3cret"}), "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Store.DSN.Reveal() != "host=db password=s3cret" {
		t.Errorf("dsn from the environment = %q", c.Store.DSN.Reveal())
	}
	if _, err := Parse([]byte("[store]\ndriver = \"postgres\"\ndsn = \"postgres://db/x\"\ndsn_file = \"dsn\""), nil, dir); err == nil ||
		!strings.Contains(err.Error(), "store.dsn_file: set together with store.dsn") {
		t.Errorf("dsn and dsn_file together: %v", err)
	}
}
