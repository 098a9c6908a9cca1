package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/madoguchi/madoguchi/internal/mailserver"
	"github.com/madoguchi/madoguchi/internal/testutils"
)

// connectConfig writes a configuration for the servers at imapAddr and
// smtpAddr, logging in with the passwords given.
func connectConfig(t *testing.T, imapAddr, imapPass, smtpAddr, smtpPass string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "madoguchi.toml")
	body := `[store]
path = "m.db"
[imap]
address = "` + imapAddr + `"
security = "insecure"
username = "support"
password = "` + imapPass + `"
[smtp]
address = "` + smtpAddr + `"
security = "insecure"
username = "relay-user"
password = "` + smtpPass + `"
from = "Support <support@example.com>"
[desk]
support_address = "support@example.com"
[log]
level = "error"
`
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCheckConfigConnect_ReportsWhatWorked(t *testing.T) {
	imapSrv, err := mailserver.StartIMAP(mailserver.IMAPOptions{Username: "support", Password: "imap-pass-1234"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { imapSrv.Close() })
	smtpSrv, err := mailserver.StartSMTP(mailserver.SMTPOptions{Username: "relay-user", Password: "smtp-pass-5678"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { smtpSrv.Close() })
	secrets := []string{"imap-pass-1234", "smtp-pass-5678", "wrong-pass-9999"}
	noSecrets := func(name, out, stderr string, err error) {
		t.Helper()
		all := out + stderr
		if err != nil {
			all += err.Error()
		}
		for _, s := range secrets {
			if strings.Contains(all, s) {
				t.Errorf("%s: the output shows a password:\n%s", name, all)
			}
		}
	}

	// Both logins work.
	out, stderr, err := cli(t, "", "--config", connectConfig(t, imapSrv.Addr, "imap-pass-1234", smtpSrv.Addr, "smtp-pass-5678"), "check-config", "--connect")
	if err != nil {
		t.Fatalf("good logins: %v\n%s", err, out)
	}
	for _, want := range []string{
		"# IMAP " + imapSrv.Addr + " (insecure, login as support): ok, logged in, mailbox INBOX selected (IDLE)",
		"# SMTP " + smtpSrv.Addr + " (insecure, plain as relay-user): ok, connected, logged in",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("good logins: output lacks %q:\n%s", want, out)
		}
	}
	noSecrets("good logins", out, stderr, err)

	// A wrong IMAP password: IMAP fails on the login, SMTP still works.
	out, stderr, err = cli(t, "", "--config", connectConfig(t, imapSrv.Addr, "wrong-pass-9999", smtpSrv.Addr, "smtp-pass-5678"), "check-config", "--connect")
	if exitCode(err) != 3 || !strings.Contains(err.Error(), "IMAP did not work") {
		t.Fatalf("wrong IMAP password: %v (exit %d), want exit 3 naming IMAP", err, exitCode(err))
	}
	imapLine, smtpLine := lineWith(out, "# IMAP "), lineWith(out, "# SMTP ")
	if !strings.Contains(imapLine, "FAILED") || !strings.Contains(imapLine, "login refused") {
		t.Errorf("wrong IMAP password: %q", imapLine)
	}
	if !strings.Contains(smtpLine, ": ok") {
		t.Errorf("wrong IMAP password, good SMTP: %q", smtpLine)
	}
	noSecrets("wrong IMAP password", out, stderr, err)

	// A wrong SMTP password.
	out, stderr, err = cli(t, "", "--config", connectConfig(t, imapSrv.Addr, "imap-pass-1234", smtpSrv.Addr, "wrong-pass-9999"), "check-config", "--connect")
	if exitCode(err) != 3 || !strings.Contains(err.Error(), "SMTP did not work") {
		t.Fatalf("wrong SMTP password: %v, want exit 3 naming SMTP", err)
	}
	if l := lineWith(out, "# SMTP "); !strings.Contains(l, "FAILED") || !strings.Contains(strings.ToLower(l), "auth") {
		t.Errorf("wrong SMTP password: %q", l)
	}
	if l := lineWith(out, "# IMAP "); !strings.Contains(l, ": ok") {
		t.Errorf("wrong SMTP password, good IMAP: %q", l)
	}
	noSecrets("wrong SMTP password", out, stderr, err)

	// Nothing listening: both fail, each naming its address once.
	imapAddr, smtpAddr := testutils.ClosedAddr(t), testutils.ClosedAddr(t)
	out, stderr, err = cli(t, "", "--config", connectConfig(t, imapAddr, "imap-pass-1234", smtpAddr, "smtp-pass-5678"), "check-config", "--connect")
	if exitCode(err) != 3 || !strings.Contains(err.Error(), "IMAP and SMTP did not work") {
		t.Fatalf("nothing listening: %v", err)
	}
	for proto, addr := range map[string]string{"IMAP": imapAddr, "SMTP": smtpAddr} {
		l := lineWith(out, "# "+proto+" ")
		if !strings.Contains(l, "FAILED") || !strings.Contains(l, "refused") {
			t.Errorf("%s with nothing listening: %q", proto, l)
		}
		// The description names the address; the cause may name it once more.
		if n := strings.Count(l, addr); n > 2 {
			t.Errorf("%s: the address is named %d times: %q", proto, n, l)
		}
	}
	noSecrets("nothing listening", out, stderr, err)

	// Without --connect nothing is dialled.
	if _, _, err := cli(t, "", "--config", connectConfig(t, imapAddr, "x", smtpAddr, "y"), "check-config"); err != nil {
		t.Errorf("check-config without --connect: %v", err)
	}
}

// lineWith is the first line of out that starts with prefix.
func lineWith(out, prefix string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

// A misspelt variable is warned of, with the one that was meant; the
// configuration is still valid (the variable changes nothing).
func TestCheckConfig_WarnsOfAMisspeltEnvironmentVariable(t *testing.T) {
	cfg := writeConfig(t, "")
	t.Setenv("MADOGUCHI_IMAP_ADRESS", "imap.example.com:993")
	out, stderr, err := cli(t, "", "--config", cfg, "check-config")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "$MADOGUCHI_IMAP_ADRESS names no configuration key and is ignored; did you mean $MADOGUCHI_IMAP_ADDRESS?") {
		t.Errorf("no warning on standard error:\n%s", stderr)
	}
	if !strings.HasPrefix(out, "# configuration is valid; 1 environment warning on standard error\n") {
		t.Errorf("the header does not point at the warning:\n%s", out)
	}
	// Every command warns, not only check-config.
	if _, stderr, _ := cli(t, "", "--config", cfg, "faq", "list"); !strings.Contains(stderr, "MADOGUCHI_IMAP_ADRESS") {
		t.Errorf("faq list does not warn:\n%s", stderr)
	}
}

// A misspelt key names its line and the key that was meant.
func TestCheckConfig_MisspeltKeyNamesItsLineAndTheClosestKey(t *testing.T) {
	cfg := writeConfig(t, "[responder]\nauto_send_confidense = 0.9\n")
	_, _, err := cli(t, "", "--config", cfg, "check-config")
	want := `config: unknown key "responder.auto_send_confidense" (line 17); did you mean "responder.auto_send_confidence"?`
	if exitCode(err) != 2 || err.Error() != want {
		t.Fatalf("check-config: %v (exit %d), want %s", err, exitCode(err), want)
	}
}
