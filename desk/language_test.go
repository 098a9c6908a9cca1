package desk

import (
	"testing"

	"github.com/madoguchi/madoguchi/lang"
)

// Every mail to a customer is in the customer's language; desk.language
// only speaks for text that decides nothing.
func TestReceive_AcknowledgementIsInTheCustomersLanguage(t *testing.T) {
	cases := []struct {
		name, deskLanguage, subject, body, want string
	}{
		{"english customer, japanese desk", "ja", "Printer jam", "Hello, the printer on the 3rd floor is jammed again. Could someone check it?", lang.English},
		{"japanese customer, english desk", "en", "プリンター", "お世話になっております。3階のプリンターで紙詰まりが起きています。確認をお願いします。", lang.Japanese},
		{"english with a japanese signature, japanese desk", "ja", "VPN", "Hi,\nThe VPN client drops every hour since the update.\nThanks,\n山田太郎\n株式会社みらい 情報システム部", lang.English},
		{"nothing to decide, japanese desk", "ja", "12345", "https://portal.example.com/ticket?id=42", lang.Japanese},
		{"nothing to decide, english desk", "en", "", "0120-123-456", lang.English},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, func(o *Options) { o.Language = c.deskLanguage })
			oc := f.one(mail("customer@customer.example", c.subject, c.body, "Message-ID: <lang"+string(rune('a'+i))+"@customer.example>"))
			if tk := f.ticket(oc.Ticket); tk.Language != c.want {
				t.Errorf("ticket language %q, want %q", tk.Language, c.want)
			}
			out := f.outgoing()
			if len(out) != 1 {
				t.Fatalf("%d outgoing mails, want the acknowledgement", len(out))
			}
			if got, _ := lang.Detect(out[0].Text); got != c.want {
				t.Errorf("acknowledgement reads as %q, want %q:\n%s", got, c.want, out[0].Text)
			}
		})
	}
}

// isJapanese is what the older tests check a Japanese mail with.
func isJapanese(text string) bool { return lang.DetectOr(text, "") == lang.Japanese }
