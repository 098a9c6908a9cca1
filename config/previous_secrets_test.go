package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const (
	oldSecret   = "old-desk-secret-0123456789"
	olderSecret = "older-desk-secret-0123456789"
)

// After a rotation of desk.secret the secrets it replaced verify old
// reply tokens until the end of a grace period: given in the file, in the
// environment (comma-separated) or in a file of their own (one a line).
func TestParse_PreviousSecretsComeFromTheFileTheEnvironmentOrTheirFile(t *testing.T) {
	d := Default()
	if d.Desk.PreviousSecrets != nil || d.Desk.PreviousSecretsFile != "" || d.Desk.PreviousSecretsUntil != "" || d.Escalation.PreviousTiersMayAct {
		t.Fatalf("defaults: %+v %+v", d.Desk, d.Escalation)
	}

	c := mustParse(t, "[desk]\nsecret = \"new-desk-secret-0123456789\"\nprevious_secrets = [\""+oldSecret+"\", \""+olderSecret+"\"]\nprevious_secrets_until = \"2027-01-31\"\n")
	if got := []Secret{oldSecret, olderSecret}; !reflect.DeepEqual(c.Desk.PreviousSecrets, got) {
		t.Errorf("previous_secrets = %q", c.Desk.PreviousSecrets)
	}
	if got, want := c.Desk.PreviousSecretsDeadline(), time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("a date's deadline = %v, want the end of that day, %v", got, want)
	}
	c = mustParse(t, "[desk]\nprevious_secrets = [\""+oldSecret+"\"]\nprevious_secrets_until = \"2027-01-31T18:00:00+09:00\"\n")
	if got, want := c.Desk.PreviousSecretsDeadline(), time.Date(2027, 1, 31, 9, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("an instant's deadline = %v, want %v", got, want)
	}

	env := map[string]string{"MADOGUCHI_DESK_PREVIOUS_SECRETS": oldSecret + ", " + olderSecret, "MADOGUCHI_DESK_PREVIOUS_SECRETS_UNTIL": "2027-01-31",
		"MADOGUCHI_ESCALATION_PREVIOUS_TIERS_MAY_ACT": "true"}
	c, err := Parse(nil, func(k string) string { return env[k] }, "")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Desk.PreviousSecrets, []Secret{oldSecret, olderSecret}) || !c.Escalation.PreviousTiersMayAct {
		t.Errorf("from the environment: %q, previous_tiers_may_act %t", c.Desk.PreviousSecrets, c.Escalation.PreviousTiersMayAct)
	}

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "previous.keys"), []byte(oldSecret+"\r\n\n"+olderSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = Parse([]byte("[desk]\nprevious_secrets_file = \"previous.keys\"\nprevious_secrets_until = \"2027-01-31\"\n"), nil, dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Desk.PreviousSecrets, []Secret{oldSecret, olderSecret}) {
		t.Errorf("from previous_secrets_file: %q", c.Desk.PreviousSecrets)
	}
	// The file is named in the encoded configuration, its secrets never.
	b, err := c.TOML()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), oldSecret) || !strings.Contains(string(b), "previous.keys") {
		t.Errorf("TOML() of secrets from their file:\n%s", b)
	}
}

// previous_secrets are masked like desk.secret wherever the
// configuration is shown, and round-trip through TOML() unmasked.
func TestMasked_HidesPreviousSecrets(t *testing.T) {
	c := mustParse(t, "[desk]\nprevious_secrets = [\""+oldSecret+"\", \""+olderSecret+"\"]\nprevious_secrets_until = \"2027-01-31\"\n")
	b, err := c.Masked().TOML()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), oldSecret) || strings.Contains(string(b), olderSecret) || !strings.Contains(string(b), `previous_secrets = ["******", "******"]`) {
		t.Errorf("masked:\n%s", b)
	}
	if c.Desk.PreviousSecrets[0] != oldSecret {
		t.Error("Masked changed the configuration it copied")
	}
	b, err = c.TOML()
	if err != nil {
		t.Fatal(err)
	}
	back := mustParse(t, string(b))
	if !reflect.DeepEqual(back.Desk.PreviousSecrets, c.Desk.PreviousSecrets) || back.Desk.PreviousSecretsUntil != "2027-01-31" {
		t.Errorf("round trip: %q until %q", back.Desk.PreviousSecrets, back.Desk.PreviousSecretsUntil)
	}
}

func TestParse_BadPreviousSecretsNameTheirKey(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.keys")
	if err := os.WriteFile(empty, []byte("\n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	until := "\nprevious_secrets_until = \"2027-01-31\""
	tests := []struct{ name, src, want string }{
		{"short", "[desk]\nprevious_secrets = [\"" + oldSecret + "\", \"short\"]" + until, `config: desk.previous_secrets[1]: is 5 bytes; at least 16 are needed`},
		{"the current secret", "[desk]\nsecret = \"" + oldSecret + "\"\nprevious_secrets = [\"" + oldSecret + "\"]" + until, `config: desk.previous_secrets[0]: is desk.secret itself`},
		{"not a string", "[desk]\nprevious_secrets = [1234567890123456789]" + until, `config: desk.previous_secrets: item 0: want a string`},
		{"no end of the grace period", "[desk]\nprevious_secrets = [\"" + oldSecret + "\"]", `config: desk.previous_secrets_until: required with desk.previous_secrets`},
		{"a bad deadline", "[desk]\nprevious_secrets = [\"" + oldSecret + "\"]\nprevious_secrets_until = \"31.01.2027\"", `config: desk.previous_secrets_until: "31.01.2027" is neither a date (YYYY-MM-DD) nor an RFC 3339 instant`},
		{"list and file", "[desk]\nprevious_secrets = [\"" + oldSecret + "\"]\nprevious_secrets_file = \"" + empty + "\"" + until, `config: desk.previous_secrets_file: set together with desk.previous_secrets (or $MADOGUCHI_DESK_PREVIOUS_SECRETS); use one of them`},
		{"empty file", "[desk]\nprevious_secrets_file = \"" + empty + "\"" + until, `config: desk.previous_secrets_file: ` + empty + ` is empty`},
		{"previous_tiers_may_act not a boolean", "[escalation]\nprevious_tiers_may_act = \"yes\"", `config: escalation.previous_tiers_may_act: want true or false`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.src), nil, "")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), oldSecret) || strings.Contains(err.Error(), "1234567890123456789") {
				t.Fatalf("the error shows a secret: %v", err)
			}
		})
	}
}
