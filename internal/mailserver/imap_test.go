package mailserver

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
)

func startIMAP(t *testing.T, opts IMAPOptions) *IMAPServer {
	t.Helper()
	if opts.Username == "" {
		opts.Username, opts.Password = "desk", "secret"
	}
	s, err := StartIMAP(opts)
	if err != nil {
		t.Fatalf("StartIMAP: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func testMail(i int) []byte {
	return fmt.Appendf(nil, "From: a@example.com\r\nTo: support@example.com\r\nSubject: mail %d\r\nMessage-ID: <%d@example.com>\r\n\r\nbody %d\r\n", i, i, i)
}

func login(t *testing.T, s *IMAPServer) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(s.Addr, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(s.opts.Username, s.opts.Password).Wait(); err != nil {
		t.Fatalf("login: %v", err)
	}
	return c
}

func TestIMAP_AppendCountAndFlags(t *testing.T) {
	s := startIMAP(t, IMAPOptions{Mailboxes: []string{"Processed"}})
	for i := 1; i <= 3; i++ {
		uid, err := s.Append("INBOX", testMail(i))
		if err != nil {
			t.Fatalf("Append: %v", err)
		}
		if uid != uint32(i) {
			t.Fatalf("Append #%d: uid %d", i, uid)
		}
	}
	if n, err := s.Count("INBOX"); err != nil || n != 3 {
		t.Fatalf("Count(INBOX) = %d, %v; want 3", n, err)
	}
	if n, err := s.Count("Processed"); err != nil || n != 0 {
		t.Fatalf("Count(Processed) = %d, %v; want 0", n, err)
	}

	c := login(t, s)
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatalf("select: %v", err)
	}
	if err := c.Store(imap.UIDSetNum(2), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close(); err != nil {
		t.Fatalf("store: %v", err)
	}
	flags, err := s.Flags("INBOX")
	if err != nil {
		t.Fatalf("Flags: %v", err)
	}
	if len(flags) != 3 || len(flags[1]) != 0 || !slices.Equal(flags[2], []string{`\Seen`}) {
		t.Fatalf("Flags = %v; want only uid 2 \\Seen", flags)
	}
}

func TestIMAP_DisableIdleHidesCapabilityAndRefusesIdle(t *testing.T) {
	s := startIMAP(t, IMAPOptions{DisableIdle: true})
	c := login(t, s)
	caps, err := c.Capability().Wait()
	if err != nil {
		t.Fatalf("capability: %v", err)
	}
	if caps.Has(imap.CapIdle) {
		t.Fatalf("IDLE advertised: %v", caps)
	}
	if !caps.Has(imap.CapMove) {
		t.Fatalf("MOVE lost from capabilities: %v", caps)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatalf("select: %v", err)
	}
	// imapserver sends the continuation before the session can refuse, so
	// the refusal arrives as the tagged response.
	idle, err := c.Idle()
	if err == nil {
		if err := idle.Close(); err != nil {
			t.Fatalf("close IDLE: %v", err)
		}
		err = idle.Wait()
	}
	if err == nil {
		t.Fatal("IDLE accepted by a server without IDLE")
	}

	withIdle := login(t, startIMAP(t, IMAPOptions{}))
	if !withIdle.Caps().Has(imap.CapIdle) {
		t.Fatal("IDLE not advertised by default")
	}
}

func TestIMAP_DropConnectionsClosesClients(t *testing.T) {
	s := startIMAP(t, IMAPOptions{})
	c := login(t, s)
	s.DropConnections()
	<-c.Closed()
	if err := c.Noop().Wait(); err == nil {
		t.Fatal("NOOP succeeded on a dropped connection")
	}
	login(t, s) // the server itself keeps accepting
}

func TestIMAP_ResetMailboxKeepsMessagesUnderNewUIDValidity(t *testing.T) {
	s := startIMAP(t, IMAPOptions{})
	for i := 1; i <= 2; i++ {
		if _, err := s.Append("INBOX", testMail(i)); err != nil {
			t.Fatal(err)
		}
	}
	before, err := s.UIDValidity("INBOX")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ResetMailbox("INBOX", true); err != nil {
		t.Fatalf("ResetMailbox: %v", err)
	}
	after, err := s.UIDValidity("INBOX")
	if err != nil {
		t.Fatal(err)
	}
	if after == before {
		t.Fatalf("UIDVALIDITY unchanged: %d", after)
	}
	if n, err := s.Count("INBOX"); err != nil || n != 2 {
		t.Fatalf("Count after reset = %d, %v; want 2", n, err)
	}
	if err := s.ResetMailbox("INBOX", false); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Count("INBOX"); n != 0 {
		t.Fatalf("Count after reset without keep = %d; want 0", n)
	}
}

func TestIMAP_XOAUTH2AcceptsTokenAndRefusesOthers(t *testing.T) {
	s := startIMAP(t, IMAPOptions{Username: "desk", Password: "pw", OAuthToken: "tok"})
	for _, tc := range []struct {
		token string
		ok    bool
	}{{"tok", true}, {"wrong", false}} {
		c, err := imapclient.DialInsecure(s.Addr, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = c.Authenticate(&xoauth2TestClient{user: "desk", token: tc.token})
		c.Close()
		if (err == nil) != tc.ok {
			t.Errorf("token %q: err = %v, want ok=%v", tc.token, err, tc.ok)
		}
	}
}

func TestRawFetch_ReadsEveryMessage(t *testing.T) {
	s := startIMAP(t, IMAPOptions{})
	var want int64
	for i := 1; i <= 7; i++ {
		raw := testMail(i)
		want += int64(len(raw))
		if _, err := s.Append("INBOX", raw); err != nil {
			t.Fatal(err)
		}
	}
	n, size, err := RawFetch(s.Addr, "desk", "secret", "INBOX", 3)
	if err != nil {
		t.Fatalf("RawFetch: %v", err)
	}
	if n != 7 || size != want {
		t.Fatalf("RawFetch = %d msgs, %d bytes; want 7, %d", n, size, want)
	}
	flags, _ := s.Flags("INBOX")
	for uid, f := range flags {
		if len(f) != 0 {
			t.Fatalf("uid %d flagged %v by a peek fetch", uid, f)
		}
	}
}

// xoauth2TestClient is a minimal client; the real one lives in intake.
type xoauth2TestClient struct{ user, token string }

func (x *xoauth2TestClient) Start() (string, []byte, error) {
	return "XOAUTH2", []byte("user=" + x.user + "\x01auth=Bearer " + x.token + "\x01\x01"), nil
}

func (x *xoauth2TestClient) Next([]byte) ([]byte, error) { return []byte{}, nil }

var _ sasl.Client = (*xoauth2TestClient)(nil)

func TestIMAP_IdleReportsAppendedMessage(t *testing.T) {
	s := startIMAP(t, IMAPOptions{})
	exists := make(chan uint32, 10)
	c, err := imapclient.DialInsecure(s.Addr, &imapclient.Options{
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					exists <- *d.NumMessages
				}
			},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login("desk", "secret").Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	idle, err := c.Idle()
	if err != nil {
		t.Fatalf("IDLE: %v", err)
	}
	// Appended right after the continuation: the window imapmemserver's own
	// Idle loses.
	if _, err := s.Append("INBOX", testMail(1)); err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-exists:
		if n != 1 {
			t.Fatalf("EXISTS %d; want 1", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no EXISTS during IDLE")
	}
	if err := idle.Close(); err != nil {
		t.Fatal(err)
	}
	if err := idle.Wait(); err != nil {
		t.Fatalf("IDLE ended with %v", err)
	}
}
