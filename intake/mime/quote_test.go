package mime

import "testing"

// TestStripQuoted_RealReplies runs the text of real replies from the common
// clients through StripQuoted: only what the sender wrote this time stays.
func TestStripQuoted_RealReplies(t *testing.T) {
	tests := []struct{ file, want string }{
		{"reply-outlook.eml", "It still drops after the update.\n\nDave"},
		{"reply-outlook-original.eml", "It still drops after the update.\n\nDave"},
		{"reply-gmail.eml", "I deleted old mail, it works now. Thanks!"},
		{"reply-thunderbird.eml", "Yes, the printer is the HP in room 3."},
		{"reply-japanese-gmail.eml", "お世話になっております。\n再起動したら直りました。ありがとうございました。\n\n山田"},
		{"reply-japanese-outlook.eml", "承知しました。明日対応します。"},
		{"iso2022jp.eml", "お世話になっております。\n経理部の山田です。\n\n3階のプリンタが昨日から印刷できません。\nエラー表示は「E-02」です。\n\nよろしくお願いいたします。"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			if got := StripQuoted(mustParse(t, tt.file).Text); got != tt.want {
				t.Errorf("StripQuoted = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestStripQuoted_Variants(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"interleaved answers keep the answers", "> Which room?\nRoom 3.\n> Which floor?\nSecond.", "Room 3.\nSecond."},
		{"japanese attribution", "了解です。\n\n2024/01/22 17:00 に サポート さんは書きました:\n> 内容", "了解です。"},
		{"japanese original message separator", "対応しました。\n-------- 元のメッセージ --------\n件名: x", "対応しました。"},
		{"outlook underscores and bold header", "Done.\n\n________________________________\n*From:* Support\n*Sent:* Monday\n*To:* me\n*Subject:* x\n\nold", "Done."},
		{"japanese outlook header block", "はい。\n\n差出人: サポート\n送信日時: 2024年1月22日\n宛先: 私\n件名: x\n", "はい。"},
		{"signature delimiter", "Thanks\n-- \nJohn\n+1 555", "Thanks"},
		{"french attribution above quote", "Merci.\n\nLe lun. 22 janv. 2024 à 17:00, Support <s@example.com> a écrit :\n> x", "Merci."},
		{"a colon line that is no attribution stays", "Steps:\n1. open\n2. close", "Steps:\n1. open\n2. close"},
		{"wrote: in prose stays", "As the manual wrote:\nrestart it.", "As the manual wrote:\nrestart it."},
		{"crlf", "Yes.\r\n\r\nOn Mon, Jan 1, 2024, A wrote:\r\n> q\r\n", "Yes."},
		{"only quotes", "> all quoted\n> here", ""},
		{"fullwidth quote marks", "はい\n＞ 引用", "はい"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := StripQuoted(tt.in); got != tt.want {
				t.Errorf("StripQuoted(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
