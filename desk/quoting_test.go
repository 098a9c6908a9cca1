package desk

import (
	"bytes"
	"html"
	"path/filepath"
	"strings"
	"testing"
	"text/template"
	"unicode/utf8"

	"github.com/madoguchi/madoguchi/intake/mime"
	"github.com/madoguchi/madoguchi/templates"
	"github.com/madoguchi/madoguchi/tickets"
)

// Agents answer a notice from the mail clients they have, and each client
// quotes it its own way (testdata/quoting: with "> ", indented, unmarked
// under its attribution or header block, in HTML). Whatever the quoting,
// the customer gets the agent's words and nothing of the notice: not its
// tier, due times, commands or addresses, and no token but their own.
func TestAgentReply_QuotedNoticeNeverReachesTheCustomer(t *testing.T) {
	tests := []struct{ file, lang, want string }{
		{"gmail-en.eml", "en", "Please restart the printer and print a test page."},
		{"gmail-ja.eml", "ja", "プリンターを再起動して、テストページを印刷してください。"},
		{"outlook-en.eml", "en", "Hello,\n\nThe toner cartridge was replaced this morning. Please try again.\n\nBest regards,\nAlice"},
		{"outlook-ja.eml", "ja", "お世話になっております。\n\nプリンターのドライバーを更新しました。もう一度お試しください。"},
		{"outlook-de.eml", "ja", "Please restart the printer."},
		{"owa.eml", "en", "We replaced the fuser unit.\n\nPlease print a test page."},
		{"apple-mail-ja.eml", "ja", "用紙トレイに A4 の用紙が入っているか確認してください。"},
		{"ios.eml", "ja", "電源ボタンを10秒押して再起動してください。"},
		{"android-gmail.eml", "en", "I restarted the print spooler remotely, please try now."},
		{"thunderbird-de.eml", "en", "Please use the printer on the second floor for now."},
		{"lotus-notes.eml", "ja", "I will come to your desk at 14:00."},
		{"indented.eml", "ja", "Please restart the printer."},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.file, ".eml"), func(t *testing.T) {
			f := newAgentFixture(t, func(o *Options) { o.Language = tt.lang })
			tk, n := f.escalated(map[string]string{"en": "The printer on 3F prints only blank pages since this morning.",
				"ja": "3階のプリンターが今朝から白紙しか印刷しません。"}[tt.lang])
			oc := f.one(clientReply(t, tt.file, n))
			relays := f.sent(mailRelay, "hanako@customer.example")
			if len(relays) != 1 {
				t.Fatalf("%d relays to the customer, want 1 (outcome %+v)", len(relays), oc)
			}
			if got := lastAgentEntry(f, tk.Ref).Text; got != tt.want {
				t.Errorf("relayed words %q, want %q", got, tt.want)
			}
			noticeAbsent(t, f, tk, n, relays[0], tt.want)
		})
	}
}

// clientReply renders testdata/quoting/file, a client's reply quoting the
// notice n (see testdata/quoting/README.md).
func clientReply(t *testing.T, file string, n *tickets.Outgoing) string {
	t.Helper()
	lines := func(s string) []string { return strings.Split(strings.TrimRight(s, "\n"), "\n") }
	each := func(s string, f func(string) string) string {
		ls := lines(s)
		for i, l := range ls {
			ls[i] = f(l)
		}
		return strings.Join(ls, "\n")
	}
	funcs := template.FuncMap{
		"quote": func(s string) string {
			return each(s, func(l string) string {
				if l == "" {
					return ">"
				}
				return "> " + l
			})
		},
		"indent":    func(s string) string { return each(s, func(l string) string { return "    " + l }) },
		"htmlLines": func(s string) string { return strings.Join(lines(html.EscapeString(s)), "<br>\n") },
		"htmlDivs": func(s string) string {
			return each(s, func(l string) string {
				if l == "" {
					return "<div><br></div>"
				}
				return "<div>" + html.EscapeString(l) + "</div>"
			})
		},
		"wrap": func(width int, s string) string {
			var out []string
			for _, l := range lines(s) {
				for utf8.RuneCountInString(l) > width {
					r := []rune(l)
					cut := width
					for cut > width/2 && r[cut] != ' ' {
						cut--
					}
					out = append(out, strings.TrimRight(string(r[:cut]), " "))
					l = strings.TrimLeft(string(r[cut:]), " ")
				}
				out = append(out, l)
			}
			return strings.Join(out, "\n")
		},
	}
	tmpl, err := template.New(file).Funcs(funcs).ParseFiles(filepath.Join("testdata", "quoting", file))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	data := map[string]string{"Notice": n.Text, "Subject": n.Subject, "ReplyTo": n.ReplyTo, "MessageID": n.MessageID, "Root": n.InReplyTo}
	if err := tmpl.Execute(&b, data); err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(strings.ReplaceAll(b.String(), "\r\n", "\n"), "\n", "\r\n")
}

// lastAgentEntry is the last entry of the ticket an agent's mail made.
func lastAgentEntry(f *fixture, ref string) tickets.Entry {
	f.t.Helper()
	es := f.entries(ref)
	for i := len(es) - 1; i >= 0; i-- {
		if es[i].Direction == tickets.DirIn && es[i].Role == tickets.RoleAgent {
			return es[i]
		}
	}
	f.t.Fatalf("no agent entry on %s", ref)
	return tickets.Entry{}
}

// noticeAbsent fails unless the mail to the customer m is the relay of
// the agent's words alone (want): none of the notice n's lines long
// enough to tell (white space set aside), not the tier's address, and not
// the agents' token.
func noticeAbsent(t *testing.T, f *fixture, tk *tickets.Ticket, n, m *tickets.Outgoing, want string) {
	t.Helper()
	alone, err := f.desk.tmpl.Render(mailRelay, tk.Language, templates.Data{Ticket: tk.Ref, Subject: tk.Subject, Name: tk.RequesterName,
		SupportAddress: "support@example.com", Priority: tk.Priority, Text: want, Greeted: opensWithGreeting(want)})
	if err != nil {
		t.Fatal(err)
	}
	text, ours := normLine(m.Text+"\n"+mime.HTMLToText(m.HTML)), normLine(alone.Text+"\n"+mime.HTMLToText(alone.HTML))
	for _, l := range strings.Split(n.Text, "\n") {
		if c := normLine(l); utf8.RuneCountInString(c) >= 10 && strings.Contains(text, c) && !strings.Contains(ours, c) {
			t.Errorf("the customer's mail holds the notice's line %q:\n%s", l, m.Text)
		}
	}
	if m.Text != alone.Text || m.HTML != alone.HTML {
		t.Errorf("the customer's mail is not the relay of the agent's words alone:\n%s\nwant:\n%s", m.Text, alone.Text)
	}
	token := tokenOfAddress(n.ReplyTo, "support@example.com")
	all := strings.Join([]string{m.Subject, m.Text, m.HTML, m.ReplyTo, m.InReplyTo, strings.Join(m.References, " ")}, "\n")
	for _, bad := range []string{token, "l1@example.com", tokenIDTag} {
		if strings.Contains(strings.ToLower(all), bad) {
			t.Errorf("the customer's mail holds %q:\n%s", bad, all)
		}
	}
}
