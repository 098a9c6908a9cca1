package outbox

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/emersion/go-message/mail"

	"github.com/madoguchi/madoguchi/internal/mailserver"
)

// The signature separator "-- " keeps its trailing space on the wire:
// quoted-printable writes it "--=20" (trailing white space would be
// stripped by relays otherwise, RFC 2045 6.7), and the mail client that
// decodes the part reads "-- " again, in the text and in a Japanese mail.
func TestDeliverDue_SignatureSeparatorKeepsItsTrailingSpace(t *testing.T) {
	f := newFixture(t, mailserver.SMTPOptions{}, nil)
	en := row("[INC-1042] Resolved: printer")
	en.Text = "The fuser unit was replaced.\n\n-- \nSupport desk\nsupport@example.com\n"
	f.add(t, en)
	ja := row("【対応完了】[INC-1043] プリンター")
	ja.MessageID = "res.1043.def@desk.example.com"
	ja.Text = "定着ユニットを交換しました。\n\n-- \nサポート窓口\nsupport@example.com\n"
	ja.HTML = "<p>定着ユニットを交換しました。</p><p>-- <br>サポート窓口</p>"
	f.add(t, ja)
	if res := f.deliver(t); res != (Result{Sent: 2}) {
		t.Fatalf("pass = %+v", res)
	}
	for i, r := range f.srv.Received() {
		raw := string(r.Data)
		if !strings.Contains(raw, "\r\n--=20\r\n") && !strings.Contains(raw, "\r\n-- \r\n") {
			t.Errorf("mail %d: no separator line with its space on the wire:\n%s", i, raw)
		}
		mr, err := mail.CreateReader(bytes.NewReader(r.Data))
		if err != nil {
			t.Fatal(err)
		}
		text := ""
		for text == "" {
			p, err := mr.NextPart()
			if err != nil {
				t.Fatalf("mail %d: no text part: %v", i, err)
			}
			if ct, _, _ := p.Header.(*mail.InlineHeader).ContentType(); ct == "text/plain" {
				b, _ := io.ReadAll(p.Body)
				text = strings.ReplaceAll(string(b), "\r\n", "\n")
			}
		}
		if !strings.Contains(text, "\n-- \n") {
			t.Errorf("mail %d decodes without the separator \"-- \":\n%q", i, text)
		}
	}
}
