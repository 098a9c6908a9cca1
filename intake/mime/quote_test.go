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
		{"german outlook header block", "Bitte den Drucker neu starten.\n\nVon: Example Support <support@example.com>\nGesendet: Dienstag, 1. Dezember 2026 09:01\nAn: l1@example.com\nBetreff: [INC-1] Drucker\n\nL1 team,\nthe notice", "Bitte den Drucker neu starten."},
		{"german outlook bold header block from html", "Erledigt.\n\n*Von:* Support\n*Gesendet:* Dienstag\n*An:* l1\n*Cc:* l2\n*Betreff:* x\n\nold", "Erledigt."},
		{"french outlook header block with a space before the colon", "Merci.\n\nDe : Support <s@example.com>\nEnvoyé : mardi 1 décembre 2026 09:01\nÀ : l1@example.com\nObjet : x\n\nold", "Merci."},
		{"spanish outlook header block", "Gracias.\n\nDe: Support\nEnviado el: martes, 1 de diciembre de 2026 9:01\nPara: l1@example.com\nAsunto: x\n\nold", "Gracias."},
		{"german thunderbird attribution above an unmarked quote", "Erledigt.\n\nAm 01.12.26 um 09:01 schrieb Example Support:\nL1 team,\nthe notice", "Erledigt."},
		{"german gmail attribution", "Erledigt.\n\nExample Support <support@example.com> schrieb am Di., 1. Dez. 2026, 09:01:\n\n> x", "Erledigt."},
		{"french attribution with a space before the colon, unmarked quote", "Merci.\n\nLe mar. 1 déc. 2026 à 09:01, Example Support <support@example.com> a écrit :\nold", "Merci."},
		{"german original message separator", "Danke.\n\n-----Ursprüngliche Nachricht-----\nVon: x", "Danke."},
		{"lotus notes block", "Please restart.\n\nExample Support <support@example.com>\n2026/12/01 09:01\n\nTo\nl1@example.com\ncc\n\nSubject\n[INC-1] x\n\nold", "Please restart."},
		{"lotus notes block with please respond to", "Done.\n\n\"Example Support\" <support@example.com>\n12/01/2026 09:01 AM\nPlease respond to\nsupport+abc@example.com\n\nTo\nl1@example.com\ncc\n\nSubject\nx\n\nold", "Done."},
		{"japanese lotus notes block", "再起動してください。\n\nサポート窓口 <support@example.com>\n2026/12/01 09:01\n\n宛先\nl1@example.com\ncc\n\n件名\nx\n\nold", "再起動してください。"},
		{"an address above prose stays", "Write to it@example.com when it fails.\nSteps:\n1. open the tray\nTo do next week\n2. close it", "Write to it@example.com when it fails.\nSteps:\n1. open the tray\nTo do next week\n2. close it"},
		{"german prose with schrieb stays", "Er schrieb mir gestern:\nder Drucker ist kaputt.", "Er schrieb mir gestern:\nder Drucker ist kaputt."},
		{"a von line alone stays", "Von: Montag an geht es wieder.\nDanke.", "Von: Montag an geht es wieder.\nDanke."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := StripQuoted(tt.in); got != tt.want {
				t.Errorf("StripQuoted(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
