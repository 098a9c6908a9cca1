package responder

import (
	"strings"
	"testing"
)

// What the desk learns from a ticket keeps the words of the problem or of
// its answer and loses the people: greetings, thanks, closings,
// signatures, names, employee numbers, addresses and phone numbers. The
// examples are written for the project, in the shapes real mail has.
func TestCleanLearned_DropsGreetingsSignaturesAndPeopleKeepsTheWords(t *testing.T) {
	for _, c := range []struct {
		name, text, want string
		gone             []string
	}{
		{"english agent answer",
			"Hi Hanako,\n\nThanks for reaching out.\n\nPlease open the VPN client and choose Reconnect.\nIf it still fails, restart the laptop.\n\nHope this helps!\nBest regards,\nAlice Agent\nIT desk, ext. 1234",
			"Please open the VPN client and choose Reconnect.\nIf it still fails, restart the laptop.",
			[]string{"Hanako", "Thanks", "Hope", "Alice", "1234"}},
		{"japanese agent answer",
			"伊藤様\n\nお疲れ様です。情報システム部の佐藤です。\n\nVPNクライアントを再起動してから、もう一度接続してください。\nご不明な点がございましたら、内線までご連絡ください。\n\n以上、よろしくお願いします。\n佐藤 太郎（社員番号 10234）",
			"VPNクライアントを再起動してから、もう一度接続してください。",
			[]string{"伊藤", "佐藤", "10234", "お疲れ", "ご不明"}},
		{"japanese customer question",
			"情報システム部 御中\n\nお世話になっております。経理部の山田です。\n社員番号は A-20417 です。\n田中さんのPCから共有フォルダに接続できません。\n午前中から「アクセスが拒否されました」と表示されます。\n\nよろしくお願いいたします。\n山田 花子\nyamada@example.co.jp\n03-1234-5678",
			"PCから共有フォルダに接続できません。\n午前中から「アクセスが拒否されました」と表示されます。",
			[]string{"山田", "田中", "20417", "御中", "yamada@", "03-1234", "お世話"}},
		{"english customer question",
			"Hello,\nThis is Ken Mori from Accounting. My employee ID is 58213.\nHow do I connect to the VPN from home?\nI'm working remotely this week and Mr. Sato said the old client is gone.\nThanks,\nKen",
			"How do I connect to the VPN from home?\nI'm working remotely this week and said the old client is gone.",
			[]string{"Ken", "Mori", "Accounting", "58213", "Sato"}},
		{"steps keep their lines and one blank line",
			"Dear Ms. Lee,\n\n1. Open Settings.\n2. Choose Network.\n\n\n\n3. Forget the guest network.\n\nLet me know if that does not work.\n\nRegards\nIT",
			"1. Open Settings.\n2. Choose Network.\n\n3. Forget the guest network.",
			[]string{"Lee", "Let me know", "Regards"}},
		{"a contact block without a separator",
			"プリンターのトナーを交換しました。\n担当：鈴木\nTEL: 03-9876-5432\nMail: suzuki@example.com",
			"プリンターのトナーを交換しました。",
			[]string{"鈴木", "9876", "suzuki"}},
		{"words that name nobody stay",
			"お客様のPCでシステム管理者様の承認画面が出ません。森林火災の訓練中でした。",
			"お客様のPCでシステム管理者様の承認画面が出ません。森林火災の訓練中でした。", nil},
		{"error codes and versions are not phone numbers",
			"Error 0x80070005 after the update to 10.2.3.\nThe log says code 1603.",
			"Error 0x80070005 after the update to 10.2.3.\nThe log says code 1603.", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := CleanLearned(c.text)
			if got != c.want {
				t.Errorf("CleanLearned:\n%q\nwant\n%q", got, c.want)
			}
			for _, g := range c.gone {
				if strings.Contains(got, g) {
					t.Errorf("kept %q: %q", g, got)
				}
			}
		})
	}
}

// Sentences put back together keep their boundary: the line break after a
// question mark or 。 stays, as it does for a short text and for a long
// one that is cut to its first and question sentences.
func TestCleanQuery_KeepsSentenceBoundaries(t *testing.T) {
	long := strings.Repeat("The client log is attached and shows nothing unusual at all today. ", 8)
	for _, c := range []struct{ name, body, want string }{
		{"question then statement", "How do I connect to the VPN from home?\nI'm working remotely this week.", "home?\nI'm working"},
		{"japanese", "共有フォルダに接続できません。\nエラーが表示されます。", "接続できません。\nエラーが"},
		{"full stop at the end of a line", "The VPN drops every hour.\nIt started on Monday.", "hour.\nIt started"},
		{"long mail cut to its sentences", "Why does the VPN drop?\nIt started on Monday.\n" + long, "drop?\nIt started"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := CleanQuery("", c.body); !strings.Contains(got, c.want) {
				t.Errorf("CleanQuery = %q, want it to hold %q", got, c.want)
			}
		})
	}
}
