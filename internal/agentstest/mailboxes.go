package agentstest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/madoguchi/madoguchi/internal/mailserver"
)

// Several mailboxes, one desk (issue 16): the helpdesk@ and it-requests@
// addresses of one IT department, each an account of its own, read by one
// `madoguchi run --once`.

// The mailboxes of the scenario.
const (
	Helpdesk = "helpdesk"
	Requests = "requests"
)

// Mailboxes is one fresh installation of madoguchi reading two mailboxes,
// Helpdesk and Requests: two accounts whose INBOXes may well have one
// UIDVALIDITY (two Dovecot users made in the same second do).
type Mailboxes interface {
	// DeliverTo puts raw mails (CRLF line ends) into the INBOX of the
	// mailbox, unseen.
	DeliverTo(t *testing.T, mailbox string, raws ...string)
	// Madoguchi runs `madoguchi --config CONFIG args...` and returns its
	// standard output; a non-zero exit fails the test.
	Madoguchi(t *testing.T, args ...string) string
	// Fails runs madoguchi expecting it to fail, and returns its exit
	// code and what it said of the failure.
	Fails(t *testing.T, args ...string) (code int, message string)
	// Received is every mail the SMTP server accepted so far, in order.
	Received() []mailserver.Received
	// SetPassword writes the mailbox's IMAP password in the configuration
	// (a wrong one makes its login fail; the right one mends it).
	SetPassword(t *testing.T, mailbox, password string)
	// Password is the mailbox's right password.
	Password(mailbox string) string
}

// StartMailboxes makes a Mailboxes whose configuration goes on with
// config(account): account(name) is the server keys of that mailbox's
// account (address, security, username, password), for its [[mailboxes]]
// entry.
type StartMailboxes func(t *testing.T, config func(account func(mailbox string) string) string) Mailboxes

// mailboxesConfig is the desk of the scenario: L1 (alice) and L2 (carol);
// the help desk, and it-requests@, whose mail opens service requests for
// L2, in Japanese when it does not tell, signed with its own signature.
func mailboxesConfig(account func(string) string) string {
	return fmt.Sprintf(`[desk]
secret = %q
language = "en"

[[escalation.tiers]]
name = "L1"
notify = ["l1@example.com"]
agents = ["alice@example.com"]

[[escalation.tiers]]
name = "L2"
notify = ["l2@example.com"]
agents = ["carol@example.com"]

[[mailboxes]]
name = %q
%s
support_address = "Help Desk <helpdesk@example.com>"

[[mailboxes]]
name = %q
%s
support_address = "IT Requests <it-requests@example.com>"
language = "ja"
default_type = "service_request"
default_tier = "L2"
signature.ja = "情報システム部 申請窓口（内線 4411）"
`, Secret, Helpdesk, account(Helpdesk), Requests, account(Requests))
}

// SeveralMailboxesOneDesk: a customer who writes to two of the desk's
// addresses about one thing gets two tickets, each of its mailbox and
// answered from the address she wrote to (From, envelope sender, the
// agents' signed Reply-To); a mail to both addresses is one ticket; the
// token of one mailbox's ticket proves nothing at the other's address;
// `tickets list --mailbox` and `tickets show` name the mailbox; and a
// mailbox whose login fails is named by `run --once` (exit 3) while the
// other is handled, then read at the next run once its login is mended.
func SeveralMailboxesOneDesk(t *testing.T, start StartMailboxes) {
	g := start(t, mailboxesConfig)
	seen := 0
	sent := func() sentMails {
		t.Helper()
		all := g.Received()
		var out sentMails
		for _, r := range all[seen:] {
			m, err := r.Message()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, sentMail{Message: m, rcpt: strings.Join(r.To, ","), raw: string(r.Data), envelope: r.From})
		}
		seen = len(all)
		return out
	}
	laptop := crlf(customerMail("Hanako Yamada <hanako@customer.example>", "IT Requests <it-requests@example.com>", "New laptop for Ken",
		"both@customer.example", "Please order a laptop for Ken, who joins us on Monday.", "Cc: helpdesk@example.com"))
	g.DeliverTo(t, Helpdesk,
		crlf(customerMail("Hanako Yamada <hanako@customer.example>", "helpdesk@example.com", "VPN is down",
			"down@customer.example", "I cannot reach the VPN from home since this morning.")),
		laptop)
	g.DeliverTo(t, Requests,
		crlf(customerMail("山田 花子 <hanako@customer.example>", "it-requests@example.com", "VPNアカウント",
			"account@customer.example", "在宅勤務用のVPNアカウントの発行をお願いします。")),
		laptop)
	g.Madoguchi(t, "run", "--once")

	list := func(args ...string) map[string]mailboxTicket {
		t.Helper()
		var l []mailboxTicket
		if err := json.Unmarshal([]byte(g.Madoguchi(t, append([]string{"tickets", "list", "--json"}, args...)...)), &l); err != nil {
			t.Fatal(err)
		}
		out := map[string]mailboxTicket{}
		for _, tk := range l {
			out[tk.Subject] = tk
		}
		return out
	}
	all := list()
	down, account, newLaptop := all["VPN is down"], all["VPNアカウント"], all["New laptop for Ken"]
	if len(all) != 3 || down.Mailbox != Helpdesk || down.Type != "incident" || account.Mailbox != Requests || account.Type != "service_request" ||
		newLaptop.Mailbox != Requests || !strings.HasPrefix(account.Ref, "REQ-") {
		t.Fatalf("tickets %+v; want VPN is down (helpdesk, incident), VPNアカウント and New laptop for Ken (requests, service requests): one ticket for the mail to both", all)
	}
	var inbound []struct {
		MessageID   string `json:"message_id"`
		Mailbox     string `json:"mailbox"`
		Folder      string `json:"folder"`
		UIDValidity uint32 `json:"uidvalidity"`
		UID         uint32 `json:"uid"`
		Disposition string `json:"disposition"`
	}
	if err := json.Unmarshal([]byte(g.Madoguchi(t, "inbound", "list", "--json")), &inbound); err != nil {
		t.Fatal(err)
	}
	dispositions := map[string]string{}
	for _, in := range inbound {
		dispositions[in.Mailbox+" "+in.MessageID] = in.Disposition
		if in.Folder != "INBOX" || in.UID == 0 || in.UIDValidity == 0 {
			t.Errorf("inbound record %+v: want the folder, UIDVALIDITY and UID it came under", in)
		}
	}
	if len(inbound) != 4 || dispositions[Helpdesk+" down@customer.example"] != "new_ticket" || dispositions[Requests+" account@customer.example"] != "new_ticket" ||
		dispositions[Helpdesk+" both@customer.example"] == dispositions[Requests+" both@customer.example"] {
		t.Fatalf("inbound records %+v; want every mail recorded under its mailbox, the mail to both addresses once as a ticket and once as its duplicate", inbound)
	}

	// Each ticket's mail goes out from its mailbox's address.
	s := sent()
	acks := s.to(hanako)
	if len(acks) != 3 {
		t.Fatalf("acknowledgements to Hanako:%s; want one per ticket", acks)
	}
	for _, m := range acks {
		wantFrom := "it-requests@example.com"
		if strings.Contains(m.Subject, down.Ref) {
			wantFrom = "helpdesk@example.com"
		}
		if m.From != wantFrom || m.envelope != wantFrom {
			t.Errorf("acknowledgement %q is from %s (envelope %s); want %s", m.Subject, m.From, m.envelope, wantFrom)
		}
		if strings.Contains(m.Subject, account.Ref) && (!strings.Contains(m.Subject, "受付完了") || !strings.Contains(strings.ReplaceAll(m.Text, "\r\n", "\n"), "\n-- \n情報システム部 申請窓口（内線 4411）\n")) {
			t.Errorf("the Japanese acknowledgement of %s (%q) is not in Japanese under the mailbox's signature:\n%q", account.Ref, m.Subject, m.Text)
		}
	}
	if n := s.one(t, "l1@example.com"); n.From != "helpdesk@example.com" || !strings.HasPrefix(n.replyTo(t), "helpdesk+") || !strings.Contains(n.Subject, down.Ref) {
		t.Errorf("L1's notice %q from %s, Reply-To %v; want %s from the help desk's address", n.Subject, n.From, n.ReplyTo, down.Ref)
	}
	var notice sentMail
	for _, n := range s.to("l2@example.com") {
		if n.From != "it-requests@example.com" || !strings.HasPrefix(n.replyTo(t), "it-requests+") {
			t.Errorf("L2's notice %q from %s, Reply-To %v; want it from it-requests@", n.Subject, n.From, n.ReplyTo)
		}
		if strings.Contains(n.Subject, account.Ref) {
			notice = n
		}
	}
	if notice.Message == nil {
		t.Fatalf("no notice of %s to L2 (its mailbox's first tier); sent:%s", account.Ref, s)
	}

	// Carol answers from the notice; the same token at the help desk's
	// address proves nothing.
	tok := strings.TrimSuffix(strings.TrimPrefix(notice.replyTo(t), "it-requests+"), "@example.com")
	moved := crlf(strings.Replace(replyMail(t, "carol@example.com", notice, "c1@example.com", "Your VPN account is vpn-hanako."),
		"To: "+notice.replyTo(t), "To: helpdesk+"+tok+"@example.com", 1))
	g.DeliverTo(t, Helpdesk, moved)
	g.DeliverTo(t, Requests, crlf(replyMail(t, "carol@example.com", notice, "c2@example.com", "Your VPN account is vpn-hanako.")))
	g.Madoguchi(t, "run", "--once")
	s = sent()
	relay := s.one(t, hanako)
	if relay.From != "it-requests@example.com" || relay.envelope != "it-requests@example.com" || !strings.Contains(relay.Text, "vpn-hanako") ||
		!strings.HasPrefix(relay.replyTo(t), "it-requests+") {
		t.Errorf("Carol's answer reached Hanako from %s (envelope %s), Reply-To %v; want it-requests@ and its plus address", relay.From, relay.envelope, relay.ReplyTo)
	}
	var show struct {
		Mailbox        string `json:"mailbox"`
		MailboxAddress string `json:"mailbox_address"`
		Events         []struct {
			Kind   string
			Detail json.RawMessage
		}
	}
	if err := json.Unmarshal([]byte(g.Madoguchi(t, "tickets", "show", account.Ref, "--json")), &show); err != nil {
		t.Fatal(err)
	}
	forged := 0
	for _, e := range show.Events {
		if e.Kind == "forged_agent_reply" && strings.Contains(string(e.Detail), "is mailbox requests's") {
			forged++
		}
	}
	if show.Mailbox != Requests || show.MailboxAddress != "it-requests@example.com" || forged != 1 {
		t.Errorf("tickets show %s: mailbox %q (%s), %d forged replies refused for their mailbox; want requests, it-requests@example.com, 1",
			account.Ref, show.Mailbox, show.MailboxAddress, forged)
	}
	if text := g.Madoguchi(t, "tickets", "show", account.Ref); !strings.Contains(text, "\nmailbox requests (it-requests@example.com)\n") {
		t.Errorf("tickets show %s does not name its mailbox:\n%s", account.Ref, text)
	}
	if l := list("--mailbox", Requests); len(l) != 2 || l["VPNアカウント"].Ref != account.Ref || l["New laptop for Ken"].Ref != newLaptop.Ref {
		t.Errorf("tickets list --mailbox requests: %+v", l)
	}
	if l := list("--mailbox", Helpdesk); len(l) != 1 || l["VPN is down"].Ref != down.Ref {
		t.Errorf("tickets list --mailbox helpdesk: %+v", l)
	}

	// The requests account refuses the login: the help desk's mail is
	// handled all the same, and the run says which mailbox failed.
	g.SetPassword(t, Requests, "wrong")
	g.DeliverTo(t, Helpdesk, crlf(customerMail("ken@customer.example", "helpdesk@example.com", "Printer", "printer@customer.example", "The printer on 3F jams.")))
	g.DeliverTo(t, Requests, crlf(customerMail("ken@customer.example", "it-requests@example.com", "Monitor", "monitor@customer.example", "Please order a second monitor.")))
	code, msg := g.Fails(t, "run", "--once")
	if code != 3 || !strings.Contains(msg, "mailbox requests") || !strings.Contains(msg, "refused") || strings.Contains(msg, "mailbox helpdesk") {
		t.Errorf("run --once with the requests login refused: exit %d, %q; want 3 naming the requests mailbox alone", code, msg)
	}
	if s := sent(); len(s.to("ken@customer.example")) != 1 || s.one(t, "ken@customer.example").From != "helpdesk@example.com" {
		t.Errorf("while the requests mailbox failed:%s; want the help desk's new mail acknowledged", s)
	}
	g.SetPassword(t, Requests, g.Password(Requests))
	g.Madoguchi(t, "run", "--once")
	if s := sent(); len(s.to("ken@customer.example")) != 1 || s.one(t, "ken@customer.example").From != "it-requests@example.com" {
		t.Errorf("after the login was mended:%s; want the waiting request acknowledged from it-requests@", s)
	}
}

// mailboxTicket is a ticket of `tickets list --json` as this scenario reads it.
type mailboxTicket struct {
	Ref, Subject, Type, Mailbox string
}
