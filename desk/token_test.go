package desk

import (
	"errors"
	"strings"
	"testing"
)

var testSecret = []byte("0123456789abcdef-test-secret")

func TestToken_RoundTripsAndFitsALocalPart(t *testing.T) {
	for _, tok := range []replyToken{
		{Ticket: 1, Tier: 0, Role: tokenAgent},
		{Ticket: 1042, Tier: 2, Role: tokenCustomer},
		{Ticket: 1 << 40, Tier: 255, Role: tokenAgent},
	} {
		s := tok.sign(testSecret)
		if len("support+"+s) > 64 || s != strings.ToLower(s) {
			t.Errorf("%+v: token %q is too long or not lower case", tok, s)
		}
		got, err := parseToken(strings.ToUpper(s), testSecret)
		if err != nil || got != tok {
			t.Errorf("%+v: parsed %+v, %v", tok, got, err)
		}
	}
}

func TestToken_RefusesOtherSecretsTamperingAndGarbage(t *testing.T) {
	s := replyToken{Ticket: 7, Tier: 1, Role: tokenAgent}.sign(testSecret)
	if _, err := parseToken(s, []byte("another-secret-of-16+")); !errors.Is(err, errTokenForged) {
		t.Errorf("other secret: %v", err)
	}
	// Another ticket's payload with this MAC: the MAC binds the ticket.
	other := replyToken{Ticket: 8, Tier: 1, Role: tokenAgent}.sign(testSecret)
	if other[:2] == s[:2] {
		mixed := other[:len(other)-16] + s[len(s)-16:]
		if _, err := parseToken(mixed, testSecret); err == nil {
			t.Errorf("a MAC moved to another payload verified")
		}
	}
	for _, bad := range []string{"", "x", "!!!!", strings.Repeat("a", 26), strings.Repeat("a", 200)} {
		if _, err := parseToken(bad, testSecret); err == nil {
			t.Errorf("%q verified", bad)
		}
	}
	// Every single-character change is refused.
	for i := range s {
		b := []byte(s)
		b[i] = map[bool]byte{true: 'b', false: 'a'}[b[i] == 'a']
		if _, err := parseToken(string(b), testSecret); err == nil {
			t.Errorf("changed character %d verified", i)
		}
	}
}

func TestToken_FoundInPlusAddressesAndMessageIDsOnly(t *testing.T) {
	if got := plusAddress("support@example.com", "abc"); got != "support+abc@example.com" {
		t.Fatal(got)
	}
	for addr, want := range map[string]string{
		"support+abc@example.com":  "abc",
		"SUPPORT+ABC@Example.com":  "abc",
		"support@example.com":      "",
		"support+abc@evil.example": "",
		"supportx+abc@example.com": "",
		"other+abc@example.com":    "",
	} {
		if got := tokenOfAddress(addr, "support@example.com"); got != want {
			t.Errorf("%s: %q, want %q", addr, got, want)
		}
	}
	for id, want := range map[string]string{
		"madoguchi.tk-abc.r4nd0m@example.com":   "abc",
		"madoguchi.tk-abc.r4nd0m@evil.example":  "",
		"madoguchi.r4nd0m.inc-1001@example.com": "",
		"tk-abc.x@example.com":                  "",
	} {
		if got := tokenOfMessageID(id, "example.com"); got != want {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
	}
}
