package main

import (
	"errors"
	"strings"
	"testing"
)

const deskTier = `
[[escalation.tiers]]
name = "L1"
notify = ["l1@example.com"]
agents = ["alice@example.com"]
`

// check-config masks desk.secret as it does the passwords, and refuses
// tiers without it (exit 2, naming the key and where else it may come from).
func TestCheckConfig_MasksTheDeskSecretAndRequiresItWithTiers(t *testing.T) {
	const secret = "desk-secret-from-the-environment"
	t.Setenv("MADOGUCHI_DESK_SECRET", secret)
	out, _, err := cli(t, "", "--config", writeConfig(t, deskTier), "check-config")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, secret) || !strings.Contains(out, `secret = "******"`) {
		t.Fatalf("check-config output leaks or does not mask desk.secret:\n%s", out)
	}

	t.Setenv("MADOGUCHI_DESK_SECRET", "")
	_, _, err = cli(t, "", "--config", writeConfig(t, deskTier), "check-config")
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 2 || !strings.Contains(err.Error(), "config: desk.secret: required for run when escalation.tiers are set") {
		t.Fatalf("tiers without a secret: %v, want exit 2 naming desk.secret", err)
	}
}
