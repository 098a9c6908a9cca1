package lang

import (
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	cases := []struct {
		name, text, want string // want "" = undecided
	}{
		{"english", "Hello, my laptop cannot connect to the VPN since this morning. Could you help?", English},
		{"english without function words", "Printer broken again", English},
		{"japanese", "お世話になっております。VPNに接続できません。", Japanese},
		{"japanese full-width", "ＰＣが起動しない。電源ボタンを押しても反応がありません。", Japanese},
		{"japanese with english product names", "Microsoft TeamsとOutlookの予定表が同期されません。Windows 11のPCです。", Japanese},
		{"japanese quoting an english error", "Outlookを開くと「The operation failed. An object cannot be found.」と表示されます。", Japanese},
		{"japanese katakana words only", "Outlook パスワード リセット", Japanese},
		{"japanese kanji with one kana", "納付証明書の発行", Japanese},
		{"english with a japanese signature", "Hi,\nThe printer on the 3rd floor is jammed again. Could someone check it?\nThanks,\n山田太郎\n株式会社みらい 情報システム部", English},
		{"english with a long japanese signature after the separator", "The VPN drops every hour.\n-- \n山田太郎（やまだ たろう）\n株式会社みらい 情報システム部 ネットワーク課\n〒100-0001 東京都千代田区千代田1-1 みらいビル3階", English},
		{"signature decides when the body does not", "12345\n-- \n山田です。よろしくお願いします。", Japanese},
		{"chinese", "我的电脑无法连接到公司的VPN，请帮忙检查一下。", ""},
		{"korean", "VPN에 연결할 수 없습니다", ""},
		{"empty", "", ""},
		{"numbers only", "12345 678-90\n2026/11/25", ""},
		{"url only", "https://portal.example.com/help?id=42", ""},
		{"address and url", "bob.smith@example.com www.example.com/faq", ""},
		{"too little text", "OK", ""},
		{"a greeting alone", "Hi", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := Detect(c.text)
			if ok != (c.want != "") || got != c.want {
				t.Errorf("Detect(%q) = %q, %v; want %q, %v", c.text, got, ok, c.want, c.want != "")
			}
		})
	}
}

func TestDetectOr_FallsBackOnlyWhenUndecided(t *testing.T) {
	if got := DetectOr("12345", Japanese); got != Japanese {
		t.Errorf("undecided text: got %q, want the fallback", got)
	}
	if got := DetectOr("Where is the printer driver?", Japanese); got != English {
		t.Errorf("english text with a japanese fallback: got %q", got)
	}
}

func TestDetect_ReadsOnlyTheHeadOfAHugeText(t *testing.T) {
	// English first, then megabytes of Japanese: the head decides, and a
	// cut inside a multi-byte character does no harm.
	text := strings.Repeat("The shared drive is read-only again. ", 401) + strings.Repeat("共有ドライブが読み取り専用です。", 100000)
	if got, ok := Detect(text); !ok || got != English {
		t.Errorf("got %q, %v; want the head's language", got, ok)
	}
}
