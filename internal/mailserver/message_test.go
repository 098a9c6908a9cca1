package mailserver

import (
	"strings"
	"testing"
)

// A mail as our outbox writes one (alternative text and HTML, a file,
// encoded words, quoted-printable) reads back the way a client shows it.
func TestMessage_ReadsHeadersTextAndAttachments(t *testing.T) {
	s := startSMTP(t, SMTPOptions{})
	raw := strings.ReplaceAll(`From: Support <Support@Example.com>
To: "Yamada" <hanako@customer.example>, b@example.com
Reply-To: <support+abc234@example.com>
Subject: =?UTF-8?B?W0lOQy0xXSDjg5fjg6rjg7Pjgr8=?=
Message-ID: <madoguchi.tk-abc234.x1@example.com>
In-Reply-To: <q1@customer.example>
References: <q0@customer.example> <q1@customer.example>
Auto-Submitted: auto-generated
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=m

--m
Content-Type: multipart/alternative; boundary=a

--a
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Caf=C3=A9 is open.
--a
Content-Type: text/html; charset=utf-8

<p>Caf&eacute; is open.</p>
--a--
--m
Content-Type: text/plain; name=log.txt
Content-Disposition: attachment; filename=log.txt
Content-Transfer-Encoding: base64

bGluZSAxCg==
--m--
`, "\n", "\r\n")
	if err := send(s.Addr, nil, "support@example.com", []string{"hanako@customer.example"}, raw); err != nil {
		t.Fatal(err)
	}
	m, err := s.Received()[0].Message()
	if err != nil {
		t.Fatal(err)
	}
	if m.From != "support@example.com" || strings.Join(m.To, ",") != "hanako@customer.example,b@example.com" ||
		strings.Join(m.ReplyTo, ",") != "support+abc234@example.com" {
		t.Errorf("addresses: from %q to %q reply-to %q", m.From, m.To, m.ReplyTo)
	}
	if m.Subject != "[INC-1] プリンタ" || m.MessageID != "madoguchi.tk-abc234.x1@example.com" || m.AutoSubmitted != "auto-generated" {
		t.Errorf("subject %q, message-id %q, auto-submitted %q", m.Subject, m.MessageID, m.AutoSubmitted)
	}
	if strings.Join(m.InReplyTo, " ") != "q1@customer.example" || strings.Join(m.References, " ") != "q0@customer.example q1@customer.example" {
		t.Errorf("threading: in-reply-to %q references %q", m.InReplyTo, m.References)
	}
	if m.Text != "Café is open." || !strings.Contains(m.HTML, "<p>Caf&eacute;") {
		t.Errorf("text %q html %q", m.Text, m.HTML)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Filename != "log.txt" || string(m.Attachments[0].Data) != "line 1\n" {
		t.Errorf("attachments %+v", m.Attachments)
	}
}

func TestMessage_UnreadableHeaderIsAnError(t *testing.T) {
	_, err := Received{To: []string{"x@example.com"}, Data: []byte("From: a@example.com\r\nTo: <<<\r\n\r\nbody\r\n")}.Message()
	if err == nil || !strings.Contains(err.Error(), "To of the mail to [x@example.com]") {
		t.Fatalf("err = %v, want one naming the To header", err)
	}
}
