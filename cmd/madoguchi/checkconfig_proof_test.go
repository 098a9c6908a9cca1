package main

import (
	"strings"
	"testing"
	"time"
)

// With tiers, check-config says what proves an agent: without
// desk.trusted_authserv_id the reply token alone, with it a DMARC pass of
// that server. It says until when the previous secrets verify old tokens,
// and masks them as it masks desk.secret.
func TestCheckConfig_SaysWhatProvesAnAgentAndHowLongPreviousSecretsVerify(t *testing.T) {
	const previous = "previous-desk-secret-0123456789"
	t.Setenv("MADOGUCHI_DESK_SECRET", "current-desk-secret-0123456789")
	run := func() string {
		t.Helper()
		out, _, err := cli(t, "", "--config", writeConfig(t, deskTier), "check-config")
		if err != nil {
			t.Fatal(err)
		}
		return out
	}

	out := run()
	if !strings.Contains(out, "# desk.trusted_authserv_id is not set: agent proof rests on the reply token alone") {
		t.Fatalf("without a trusted authserv-id, check-config does not say the token alone proves:\n%s", out)
	}

	t.Setenv("MADOGUCHI_DESK_TRUSTED_AUTHSERV_ID", "mx.example.com")
	until := time.Now().Add(10*24*time.Hour + time.Hour).UTC().Truncate(time.Second)
	t.Setenv("MADOGUCHI_DESK_PREVIOUS_SECRETS", previous)
	t.Setenv("MADOGUCHI_DESK_PREVIOUS_SECRETS_UNTIL", until.Format(time.RFC3339))
	out = run()
	for _, want := range []string{
		"# an agent's reply needs dmarc=pass for its From's domain in the topmost Authentication-Results of mx.example.com",
		"# desk.previous_secrets: 1 previous secret verifies the reply tokens of mails sent before the rotation until " + until.Format(time.RFC3339) + " (for 10 days more)",
		`previous_secrets = ["******"]`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check-config does not say %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, previous) || strings.Contains(out, "agent proof rests on the reply token alone") {
		t.Fatalf("check-config leaks a previous secret or misstates the proof:\n%s", out)
	}

	t.Setenv("MADOGUCHI_DESK_PREVIOUS_SECRETS_UNTIL", "2020-01-31")
	if out = run(); !strings.Contains(out, "1 previous secret verifies nothing any more: the grace period ended 2020-02-01T00:00:00Z") {
		t.Fatalf("an ended grace period:\n%s", out)
	}
}
