package config

import (
	"fmt"
	"net/mail"
	"reflect"
	"regexp"
	"strings"
)

// DefaultMailboxName is the name of the one mailbox of the [imap]
// shorthand; the tickets and inbound records of a database from before
// several mailboxes belong to it.
const DefaultMailboxName = "default"

// Mailbox is one of [[mailboxes]]: an account the gateway reads, with
// the keys of [imap] (server, credentials, folder, processed folder,
// batches, poll interval), and the address its tickets are answered from.
// One desk, one set of tiers and one FAQ serve every mailbox; the first is
// the default one, which answers tickets of a mailbox no longer configured
// and sends what concerns no ticket (digests).
type Mailbox struct {
	// Name keys the mailbox's tickets and its record of handled mail:
	// renaming a mailbox starts its record afresh (handled mail is \Seen
	// or moved, so nothing is fetched twice; a re-fetched mail is a
	// duplicate by its Message-ID), and a new account wants a new name.
	Name string `toml:"name"`
	IMAP
	// SupportAddress is the address customers write to: the From of the
	// mailbox's mail ("IT Requests <it-requests@example.com>" gives it a
	// display name) and the base of its plus-address reply tokens.
	SupportAddress string    `toml:"support_address"`
	Language       string    `toml:"language"`     // en | ja for mail that does not tell; "" = desk.language
	DefaultType    string    `toml:"default_type"` // incident | service_request: what its tickets are before the rules; "" = incident
	DefaultTier    string    `toml:"default_tier"` // the tier its tickets reach first; "" = the first
	Signature      Signature `toml:"signature"`    // the signature of its mails to customers; "" = desk.signature's
}

// Key is the full TOML key of one of the mailbox's keys
// ("mailboxes[1].password", or "imap.password" for the shorthand's).
func (m Mailbox) Key(name string) string { return m.key(name) }

// BareSupportAddress is the address of SupportAddress without a display
// name, lower case ("" when it is none).
func (m Mailbox) BareSupportAddress() string {
	a, err := mail.ParseAddress(m.SupportAddress)
	if err != nil {
		return ""
	}
	return strings.ToLower(a.Address)
}

// Shorthand reports whether the gateway reads the one mailbox of [imap]
// rather than [[mailboxes]].
func (c *Config) Shorthand() bool { return len(c.Mailboxes) == 0 }

// EffectiveMailboxes are the mailboxes the gateway reads, the default one
// first: [[mailboxes]], each completed from [desk] (language, signature),
// or the one mailbox DefaultMailboxName of [imap] and desk.support_address.
func (c *Config) EffectiveMailboxes() []Mailbox {
	if c.Shorthand() {
		m := Mailbox{Name: DefaultMailboxName, IMAP: c.IMAP, SupportAddress: c.Desk.SupportAddress,
			Language: c.Desk.Language, Signature: c.Desk.Signature}
		m.section = "imap"
		return []Mailbox{m}
	}
	out := make([]Mailbox, len(c.Mailboxes))
	for i, m := range c.Mailboxes {
		m.section = mailboxSection(i)
		if m.Language == "" {
			m.Language = c.Desk.Language
		}
		if m.Signature.EN == "" {
			m.Signature.EN = c.Desk.Signature.EN
		}
		if m.Signature.JA == "" {
			m.Signature.JA = c.Desk.Signature.JA
		}
		out[i] = m
	}
	return out
}

// TierIndex is the index of the tier named name (case ignored, as tier
// names are told apart); 0 for "", -1 when no tier has the name.
func (c *Config) TierIndex(name string) int {
	if name == "" {
		return 0
	}
	for i, t := range c.Escalation.Tiers {
		if strings.EqualFold(t.Name, name) {
			return i
		}
	}
	return -1
}

func mailboxSection(i int) string { return fmt.Sprintf("mailboxes[%d]", i) }

// nameSections lets every server of the configuration name its keys in
// errors ("mailboxes[1].password_file").
func (c *Config) nameSections() {
	for i := range c.Mailboxes {
		c.Mailboxes[i].section = mailboxSection(i)
	}
}

// defaultMailbox is what an element of [[mailboxes]] starts from: the
// defaults of [imap].
func defaultMailbox() Mailbox {
	return Mailbox{IMAP: Default().IMAP}
}

var mailboxNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// validateMailboxes checks [[mailboxes]]: each one's own keys as [imap]'s
// are checked, names and support addresses apart, no folder read twice;
// and that the one-mailbox keys ([imap], desk.support_address) are not
// set beside them, where they would be ignored.
func (c *Config) validateMailboxes(v *validator) {
	if c.Shorthand() {
		return
	}
	def := reflect.ValueOf(Default()).Elem()
	cur := reflect.ValueOf(c).Elem()
	for _, f := range sectionFields() {
		if strings.HasPrefix(f.key, "imap.") && !reflect.DeepEqual(cur.FieldByIndex(f.index).Interface(), def.FieldByIndex(f.index).Interface()) {
			v.add(f.key, "set together with [[mailboxes]], which replace [imap]: set it in each mailbox (%s)", "mailboxes[N]."+strings.TrimPrefix(f.key, "imap."))
		}
	}
	if c.Desk.SupportAddress != "" {
		v.add("desk.support_address", "set together with [[mailboxes]]: each mailbox has its own support_address")
	}
	names := map[string]string{}   // lower-case name → key of the mailbox that has it
	addrs := map[string]string{}   // bare support address → key
	folders := map[string]string{} // address, user, folder → key
	for i, m := range c.Mailboxes {
		m.section = mailboxSection(i)
		key := m.section
		switch {
		case m.Name == "":
			v.add(m.key("name"), "required: the mailbox's name keys its tickets and the record of its mail")
		case !mailboxNameRE.MatchString(m.Name):
			v.add(m.key("name"), "%q must be 1 to 32 letters, digits, _ or -", m.Name)
		case names[strings.ToLower(m.Name)] != "":
			v.add(m.key("name"), "%q is already the name of %s (names are compared without case)", m.Name, names[strings.ToLower(m.Name)])
		default:
			names[strings.ToLower(m.Name)] = key
		}
		m.IMAP.validate(v)
		if m.SupportAddress == "" {
			v.add(m.key("support_address"), "required: the address its customers write to, the From of its mail")
		} else if a, err := mail.ParseAddress(m.SupportAddress); err != nil {
			v.errs = append(v.errs, &KeyError{Key: m.key("support_address"), Err: fmt.Errorf("%q is not a mail address: %w", m.SupportAddress, err)})
		} else {
			addr := strings.ToLower(a.Address)
			for other, k := range addrs {
				if sameMailbox(addr, other) || sameMailbox(other, addr) {
					v.add(m.key("support_address"), "%s is the support address of %s too (%s): their mail and reply addresses could not be told apart", addr, k, other)
				}
			}
			addrs[addr] = key
		}
		v.oneOf(m.key("language"), m.Language, "", "en", "ja")
		v.oneOf(m.key("default_type"), m.DefaultType, "", "incident", "service_request")
		if m.DefaultTier != "" && c.TierIndex(m.DefaultTier) < 0 {
			var tiers []string
			for _, t := range c.Escalation.Tiers {
				tiers = append(tiers, t.Name)
			}
			if len(tiers) == 0 {
				v.add(m.key("default_tier"), "%q: no escalation.tiers are configured", m.DefaultTier)
			} else {
				v.add(m.key("default_tier"), "%q is not one of the tiers (%s)", m.DefaultTier, strings.Join(tiers, ", "))
			}
		}
		validateSignature(v, m.key("signature"), m.Signature)
		if m.Address != "" && m.Username != "" {
			f := strings.ToLower(m.Address) + "\x00" + m.Username + "\x00" + m.Mailbox
			if k, ok := folders[f]; ok {
				v.add(key, "reads the same folder as %s (%s as %s, %s): every mail would be handled twice", k, m.Address, m.Username, m.Mailbox)
			}
			folders[f] = key
		}
	}
}

// requireMailboxes checks what `run` needs of each mailbox: the server,
// the login and its credentials (and a readable ca_file).
func (c *Config) requireMailboxes(v *validator) {
	if c.Shorthand() {
		return
	}
	for _, m := range c.EffectiveMailboxes() {
		v.required(m.key("address"), m.Address)
		v.required(m.key("username"), m.Username)
		m.requireCredentials(v)
		if m.CAFile != "" {
			if _, err := m.TLSConfig(); err != nil {
				v.errs = append(v.errs, err)
			}
		}
	}
}
