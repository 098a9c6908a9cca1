package mime

import (
	"encoding/base64"
	"strings"
	"testing"
)

// A From that is exactly one mailbox has no problem, whatever shape the
// name takes; anything that could be read as more than one address, or
// as none, says why. The desk never takes such a mail for an agent's.
func TestParse_FromThatIsNotExactlyOneMailboxSaysWhy(t *testing.T) {
	tests := []struct {
		name, from string
		want       string // substring of FromProblem; "" = no problem
		addr       string // From.Addr as read
	}{
		{"bare address", "From: alice@example.com", "", "alice@example.com"},
		{"name and address", "From: Alice Agent <alice@example.com>", "", "alice@example.com"},
		{"quoted name with a comma", `From: "Agent, Alice" <alice@example.com>`, "", "alice@example.com"},
		{"quoted name that looks like an address", `From: "mallory@evil.example" <alice@example.com>`, "", "alice@example.com"},
		{"address with a comment", "From: alice@example.com (Alice Agent)", "", "alice@example.com"},
		{"angle address with a comment after it", "From: <alice@example.com> (Alice)", "", "alice@example.com"},
		{"the address as its own name", "From: alice@example.com <alice@example.com>", "", "alice@example.com"},
		{"encoded Japanese name", "From: =?UTF-8?B?5L2Q6Jek?= <sato@example.jp>", "", "sato@example.jp"},
		{"raw UTF-8 name", "From: 佐藤 花子 <sato@example.jp>", "", "sato@example.jp"},

		{"two addresses", "From: alice@example.com, mallory@evil.example", "holds 2 addresses", "alice@example.com"},
		{"two angle addresses", "From: <mallory@evil.example> <alice@example.com>", "text after its address", ""},
		{"an address as the display name", "From: mallory@evil.example <alice@example.com>", "address in its display name", "alice@example.com"},
		{"a group", "From: Agents: alice@example.com;", "is a group", "alice@example.com"},
		{"an address and a word", "From: alice@example.com Alice", "is not one address", "alice@example.com"},
		{"no address", "From: not an address at all", "is not one address", ""},
		{"empty", "From: <>", "holds no address", ""},
		{"two From fields", "From: alice@example.com\r\nFrom: mallory@evil.example", "2 From header fields", "alice@example.com"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse([]byte(tc.from+"\r\nTo: support@example.com\r\nSubject: x\r\n\r\nbody\r\n"), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.want == "" && m.FromProblem != "":
				t.Errorf("FromProblem = %q, want none", m.FromProblem)
			case tc.want != "" && !strings.Contains(m.FromProblem, tc.want):
				t.Errorf("FromProblem = %q, want it to say %q", m.FromProblem, tc.want)
			}
			if tc.addr != "" && m.From.Addr != tc.addr {
				t.Errorf("From = %+v, want %s", m.From, tc.addr)
			}
		})
	}
	m, err := Parse([]byte("To: support@example.com\r\nSubject: x\r\n\r\nbody\r\n"), Limits{})
	if err != nil || m.FromProblem != "no From header field" {
		t.Errorf("no From: %q, %v", m.FromProblem, err)
	}
}

// The domain of an address is lower-cased in ASCII only: a Kelvin sign
// (U+212A) stays what it is, so the desk can refuse it as a lookalike of
// the letter k instead of reading it as one.
func TestParse_AddressKeepsNonASCIILookalikes(t *testing.T) {
	m, err := Parse([]byte("From: \u212Aen@EXAMPLE.\u212Aom\r\nSubject: x\r\n\r\nbody\r\n"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "\u212Aen@example.\u212Aom"; m.From.Addr != want {
		t.Errorf("From = %q, want %q", m.From.Addr, want)
	}
}

// Authentication-Results fields are kept in header order, unfolded, so the
// desk can take the topmost one of its trusted server.
func TestParse_AuthenticationResultsInHeaderOrder(t *testing.T) {
	raw := "Authentication-Results: mx.example.com;\r\n\tdmarc=pass header.from=example.com\r\n" +
		"Received: from a by b\r\n" +
		"Authentication-Results: relay.example.net; dmarc=fail\r\n" +
		"From: alice@example.com\r\nSubject: x\r\n\r\nbody\r\n"
	m, err := Parse([]byte(raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"mx.example.com; dmarc=pass header.from=example.com", "relay.example.net; dmarc=fail"}
	if strings.Join(m.AuthResults, "|") != strings.Join(want, "|") {
		t.Errorf("AuthResults = %q, want %q", m.AuthResults, want)
	}
}

// A From that is one encoded-word around the whole address (PHP's
// mb_encode_mimeheader, some web forms) is decoded, then read: the ticket
// gets the customer's address and name, not the encoded text, and the
// decoded text is held to the one-mailbox rules like any From.
func TestParse_FromInsideOneEncodedWordIsDecodedThenRead(t *testing.T) {
	b64 := func(s string) string { return "=?utf-8?b?" + base64.StdEncoding.EncodeToString([]byte(s)) + "?=" }
	tests := []struct {
		name, from  string
		addr, named string
		problem     string // substring of FromProblem; "" = none
	}{
		{"name and address in one B word", b64("伊藤 美咲 <m.ito@example.co.jp>"), "m.ito@example.co.jp", "伊藤 美咲", ""},
		{"split over two words", b64("伊藤 美咲 ") + " " + b64("<m.ito@example.co.jp>"), "m.ito@example.co.jp", "伊藤 美咲", ""},
		{"a Q word", "=?iso-8859-1?q?Ren=E9_Dupont_=3Crene=40example=2Efr=3E?=", "rene@example.fr", "René Dupont", ""},
		{"a bare address", b64("m.ito@example.co.jp"), "m.ito@example.co.jp", "", ""},
		{"two addresses inside", b64("alice@example.com, mallory@evil.example"), "alice@example.com", "", "holds 2 addresses"},
		{"an address as the name inside", b64("mallory@evil.example <alice@example.com>"), "alice@example.com", "mallory@evil.example", "address in its display name"},
		// An @ in an encoded display name beside a real address stays a name.
		{"an encoded name with an @", "=?utf-8?q?alice=40example=2Ecom?= <mallory@evil.example>", "mallory@evil.example", "alice@example.com", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse([]byte("From: "+tc.from+"\r\nTo: support@example.com\r\nSubject: x\r\n\r\nbody\r\n"), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if m.From.Addr != tc.addr || m.From.Name != tc.named {
				t.Errorf("From = %+v, want %q <%s>", m.From, tc.named, tc.addr)
			}
			switch {
			case tc.problem == "" && m.FromProblem != "":
				t.Errorf("FromProblem = %q, want none", m.FromProblem)
			case tc.problem != "" && !strings.Contains(m.FromProblem, tc.problem):
				t.Errorf("FromProblem = %q, want it to say %q", m.FromProblem, tc.problem)
			}
		})
	}
}
