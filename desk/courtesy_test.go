package desk

import "testing"

func TestOpensWithGreeting(t *testing.T) {
	for text, want := range map[string]bool{
		"伊藤様\n\nお疲れ様です。トナーを交換しました。":                     true,
		"\n  伊藤 健 様\nプリンターを交換しました。":                     true,
		"伊藤さん、\n直りました。":                                 true,
		"営業部各位\n本日のメンテナンスは終了しました。":                      true,
		"お疲れ様です。情報システム部の山田です。":                          true,
		"いつもお世話になっております。":                               true,
		"Hi Ken,\nplease restart the laptop.":           true,
		"Dear Ms Ito":                                   true,
		"Hello,\nthe printer works again.":              true,
		"Good morning Hanako":                           true,
		"Please restart the laptop.":                    false,
		"トナーを交換しましたので、印刷をお試しください。田中様":                   false, // a sentence, not an addressee
		"Highlight the cell, then press F2.":            false,
		"The \"Hello\" page shows an error; fix below.": false,
		"": false,
	} {
		if got := opensWithGreeting(text); got != want {
			t.Errorf("opensWithGreeting(%q) = %v, want %v", text, got, want)
		}
	}
}

func TestSplitSignOff(t *testing.T) {
	for _, c := range []struct{ text, words, signOff string }{
		{"Please try the steps below.\n\nBest regards,\nAlice Smith\nIT desk, ext. 1234", "Please try the steps below.", "Best regards,\nAlice Smith\nIT desk, ext. 1234"},
		{"下記の手順をお試しください。\n\nよろしくお願いいたします。\n情報システム部 山田", "下記の手順をお試しください。", "よろしくお願いいたします。\n情報システム部 山田"},
		{"Try this.\nThanks, Alice", "Try this.", "Thanks, Alice"},
		{"下記をご確認ください。\n━━━━━━━━\n山田 太郎\n内線 1234", "下記をご確認ください。", "━━━━━━━━\n山田 太郎\n内線 1234"},
		{"以上です。", "", "以上です。"},
		// A closing formula with a long answer under it is part of the answer.
		{"Thanks for waiting.\nThe fix is deployed.", "Thanks for waiting.\nThe fix is deployed.", ""},
		{"よろしくお願いいたします。\n" + "1. 再起動してください。\n2. 設定を開いてください。\n3. 「ネットワーク」を選んでください。\n4. 「VPN」を選んでください。\n5. 接続してください。\n6. 接続できたらご連絡ください。\n7. 以上です。",
			"よろしくお願いいたします。\n1. 再起動してください。\n2. 設定を開いてください。\n3. 「ネットワーク」を選んでください。\n4. 「VPN」を選んでください。\n5. 接続してください。\n6. 接続できたらご連絡ください。\n7. 以上です。", ""},
		{"No sign-off here.", "No sign-off here.", ""},
		// A signature without a closing line: a last paragraph of a name.
		{"お疲れ様です。下記のFAQをご確認ください。\n\n情報システム部 山田", "お疲れ様です。下記のFAQをご確認ください。", "情報システム部 山田"},
		{"Here is what to do.\n\nAlice\nIT desk, ext. 1234\nalice@example.com", "Here is what to do.", "Alice\nIT desk, ext. 1234\nalice@example.com"},
		// A last paragraph that is part of the answer stays.
		{"Try these steps.\n\n1. Restart\n2. Log in", "Try these steps.\n\n1. Restart\n2. Log in", ""},
		{"The portal has it.\n\nhttps://portal.example.com/vpn", "The portal has it.\n\nhttps://portal.example.com/vpn", ""},
		{"First paragraph.\n\nThe second one ends like a sentence.", "First paragraph.\n\nThe second one ends like a sentence.", ""},
		{"山田", "山田", ""},
	} {
		words, signOff := splitSignOff(c.text)
		if words != c.words || signOff != c.signOff {
			t.Errorf("splitSignOff(%q) = %q, %q; want %q, %q", c.text, words, signOff, c.words, c.signOff)
		}
	}
}
