package templates

import "testing"

func TestPersonName(t *testing.T) {
	cases := []struct{ in, want string }{
		// People: the name is used as it is.
		{"山田 太郎", "山田 太郎"},
		{"山田太郎", "山田太郎"},
		{"山田", "山田"},
		{"阿部 真理子", "阿部 真理子"}, // 部 ends many surnames: 阿部, 服部, 岡部
		{"服部", "服部"},
		{"長谷部 誠", "長谷部 誠"},
		{"田所 健", "田所 健"},
		{"氷室", "氷室"},
		{"やまだ はなこ", "やまだ はなこ"},
		{"Alice Example", "Alice Example"},
		{"Hanako Yamada", "Hanako Yamada"},
		{"YAMADA Taro", "YAMADA Taro"},
		{"Jean-Luc Picard", "Jean-Luc Picard"},
		{"J. R. Smith", "J. R. Smith"},
		{"Seán O'Brien", "Seán O'Brien"},
		{"  Alice   Example ", "Alice Example"},
		{"Alice", "Alice"},
		{"Zoë", "Zoë"},
		{"Ana María de la Cruz", "Ana María de la Cruz"},
		// A person with a note in brackets: the note goes.
		{"山田 太郎（情報システム部）", "山田 太郎"},
		{"Hanako Yamada (Example Corp)", "Hanako Yamada"},
		{"山田 太郎 (Ops)", "山田 太郎"},
		{"(Ops)", ""},
		{"山田 太郎 様", "山田 太郎"},
		{"山田様", "山田"},
		// Roles, teams and robots.
		{"Ops", ""},
		{"ops", ""},
		{"Admin", ""},
		{"IT Support", ""},
		{"Helpdesk Team", ""},
		{"The Service Desk", ""},
		{"info", ""},
		{"noreply", ""},
		{"No-Reply", ""},
		{"do_not_reply", ""},
		{"System Administrator", ""},
		{"Monitoring Alerts", ""},
		{"Sales & Marketing", ""},
		{"Example Corp.", ""},
		{"ACME Inc", ""},
		{"NOC", ""},
		{"情報システム部", ""},
		{"総務部", ""},
		{"経営企画室", ""},
		{"ソリューション推進部", ""},
		{"システム管理者", ""},
		{"ヘルプデスク", ""},
		{"サポート窓口", ""},
		{"カスタマーセンター", ""},
		{"人事課", ""},
		{"経理担当", ""},
		{"営業部 山田", ""},
		{"株式会社サンプル", ""},
		{"事務局", ""},
		{"総務課 各位", ""},
		// Titles: not the bare name.
		{"Agent Kobayashi", ""},
		{"Dr. Smith", ""},
		{"Mr Tanaka", ""},
		// Addresses, logins and other non-names.
		{"", ""},
		{"   ", ""},
		{"alice@example.com", ""},
		{"taro.yamada", ""},
		{"hanako", ""},
		{"user123", ""},
		{"Room 301", ""},
		{"!!!", ""},
	}
	for _, c := range cases {
		if got := PersonName(c.in); got != c.want {
			t.Errorf("PersonName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
