package mailserver

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	_ "github.com/emersion/go-message/charset" // bodies in any charset read as a mail client reads them
	"github.com/emersion/go-message/mail"
)

// Message is a received mail read back as a mail client reads it: the
// headers a test looks at, the plain-text body and the attachments.
type Message struct {
	From          string   // the From address, lower case
	To            []string // the To addresses, lower case
	Cc            []string // the Cc addresses, lower case
	ReplyTo       []string // the Reply-To addresses, lower case
	Subject       string
	MessageID     string   // without <>
	InReplyTo     []string // without <>
	References    []string // without <>
	AutoSubmitted string
	Text          string // the first inline text/plain part, decoded
	HTML          string // the first inline text/html part, decoded
	Attachments   []Attachment
}

// Attachment is one attached file of a Message.
type Attachment struct {
	Filename    string
	ContentType string
	Data        []byte
}

// Message parses r's data with go-message. A mail it cannot read is an
// error naming what failed.
func (r Received) Message() (*Message, error) {
	mr, err := mail.CreateReader(bytes.NewReader(r.Data))
	if err != nil {
		return nil, fmt.Errorf("mailserver: reading the header of the mail to %v: %w", r.To, err)
	}
	defer mr.Close()
	h := mr.Header
	m := &Message{AutoSubmitted: h.Get("Auto-Submitted")}
	if m.Subject, err = h.Subject(); err != nil {
		return nil, fmt.Errorf("mailserver: Subject of the mail to %v: %w", r.To, err)
	}
	if m.MessageID, err = h.MessageID(); err != nil {
		return nil, fmt.Errorf("mailserver: Message-ID of the mail to %v: %w", r.To, err)
	}
	if m.InReplyTo, err = h.MsgIDList("In-Reply-To"); err != nil {
		return nil, fmt.Errorf("mailserver: In-Reply-To of the mail to %v: %w", r.To, err)
	}
	if m.References, err = h.MsgIDList("References"); err != nil {
		return nil, fmt.Errorf("mailserver: References of the mail to %v: %w", r.To, err)
	}
	for _, f := range []struct {
		name string
		dst  *[]string
	}{{"From", nil}, {"To", &m.To}, {"Cc", &m.Cc}, {"Reply-To", &m.ReplyTo}} {
		list, err := h.AddressList(f.name)
		if err != nil {
			return nil, fmt.Errorf("mailserver: %s of the mail to %v: %w", f.name, r.To, err)
		}
		var addrs []string
		for _, a := range list {
			addrs = append(addrs, strings.ToLower(a.Address))
		}
		if f.dst == nil {
			if len(addrs) > 0 {
				m.From = addrs[0]
			}
			continue
		}
		*f.dst = addrs
	}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("mailserver: a part of the mail to %v: %w", r.To, err)
		}
		b, err := io.ReadAll(p.Body)
		if err != nil {
			return nil, fmt.Errorf("mailserver: a part of the mail to %v: %w", r.To, err)
		}
		switch ph := p.Header.(type) {
		case *mail.InlineHeader:
			ct, _, _ := ph.ContentType()
			switch {
			case ct == "text/plain" && m.Text == "":
				m.Text = string(b)
			case ct == "text/html" && m.HTML == "":
				m.HTML = string(b)
			}
		case *mail.AttachmentHeader:
			name, _ := ph.Filename()
			ct, _, _ := ph.ContentType()
			m.Attachments = append(m.Attachments, Attachment{Filename: name, ContentType: ct, Data: b})
		}
	}
	return m, nil
}
