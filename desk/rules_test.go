package desk

import (
	"testing"

	"github.com/madoguchi/madoguchi/tickets"
)

// The subjects below were written for this test: what people type when
// they mail an IT desk. Requests and incidents are mixed on purpose, so
// the table shows the request words do not take over incidents that happen
// to contain them ("new laptop is very slow", "申請システムにログインできない").
const (
	inc = tickets.Incident
	req = tickets.ServiceRequest
)

func TestDefaultRules_TypeOfEnglishSubjects(t *testing.T) {
	for _, c := range []struct{ subject, want string }{
		// Service requests: something to provide, grant or change.
		{"Password reset for Tanaka in accounting", req},
		{"Please reset my password", req},
		{"Forgot my password", req},
		{"How do I reset my password?", req},
		{"My password expired and I cannot log in", req}, // fulfilled by a reset: see DefaultRules
		{"Account locked out after too many attempts", req},
		{"Please unlock my account", req},
		{"New starter on Monday: account and laptop needed", req},
		{"Need access to the Jira project for onboarding", req},
		{"Request: write access to the Finance shared drive", req},
		{"Could you install Visio on my PC?", req},
		{"Software installation: Adobe Acrobat Pro", req},
		{"New monitor for desk 4B", req},
		{"Please add me to the sales-all distribution list", req},
		{"Order a replacement headset", req},
		{"VPN access for an external contractor", req},
		{"Create a shared mailbox for the events team", req},
		{"Change request: raise my mailbox quota to 100 GB", req},
		{"Permission to edit the onboarding wiki page", req},
		{"Licence for Microsoft Project", req},
		{"Offboarding: disable the account of a leaving employee", req},
		{"Set up a phone for the new receptionist", req},
		{"Can I get admin rights on my laptop?", req},
		{"Requesting a second docking station", req},
		// Incidents: something that worked and does not.
		{"Printer on 2F is broken", inc},
		{"Printer broken, please fix", inc},
		{"Outlook crashes when opening attachments", inc},
		{"Cannot connect to VPN since this morning", inc},
		{"Cannot log in to SAP", inc},
		{"Wi-Fi keeps dropping in meeting room B", inc},
		{"Error 0x80070005 when installing updates", inc},
		{"Windows update failed to install", inc},
		{"No access to the internet since this morning", inc},
		{"New laptop is very slow", inc},
		{"Request timed out when opening the HR portal", inc},
		{"Password reset page is down", inc},
		{"Forgot my password and the self-service reset is not working", inc},
		{"Server down in the Osaka office", inc},
		{"Email stuck in the outbox", inc},
		{"Teams calls drop after five minutes", inc},
		{"The printer in the lobby is out of order", inc},
		{"Permission denied when saving to the project folder", inc},
		{"Installed Zoom but it crashes on start", inc},
	} {
		if got := classify(DefaultRules(), "", c.subject, "", "user@customer.example").Type; got != c.want {
			t.Errorf("%q: type %s, want %s", c.subject, got, c.want)
		}
	}
}

func TestDefaultRules_TypeOfJapaneseSubjects(t *testing.T) {
	for _, c := range []struct{ subject, want string }{
		// サービス要求
		{"パスワードリセットのお願い", req},
		{"パスワードを忘れてしまいました", req},
		{"パスワードの有効期限が切れてログインできません", req}, // 再設定で応えるもの: DefaultRules を参照
		{"アカウントがロックされました", req},
		{"アカウントのロック解除をお願いします", req},
		{"新入社員のアカウント発行について", req},
		{"共有フォルダのアクセス権付与のお願い", req},
		{"Visio のインストール依頼", req},
		{"ソフトウェア導入の申請", req},
		{"ノートPCの貸与申請", req},
		{"メーリングリストへのメンバー追加", req},
		{"メールアドレスの変更依頼", req},
		{"VPN 利用申請", req},
		{"モニターを1台購入したい", req},
		{"退職者のアカウント削除依頼", req},
		{"Adobe Acrobat のライセンス発行", req},
		{"異動に伴う権限変更のお願い", req},
		{"来客用 Wi-Fi のゲストアカウント作成", req},
		{"入館カードの再発行", req},
		{"スマートフォンの機種変更の手続き", req},
		{"管理者権限の付与をお願いします", req},
		// インシデント
		{"【至急】サーバーが停止しています", inc},
		{"プリンターが印刷できません", inc},
		{"Outlook が起動しない", inc},
		{"VPN に接続できない", inc},
		{"社内システムでエラーが表示されます", inc},
		{"ファイルサーバーにつながらない", inc},
		{"PCの動作が遅い", inc},
		{"Teams の画面共有ができない", inc},
		{"メールが送信できません", inc},
		{"ノートPCが故障しました", inc},
		{"新しく追加したプリンターで印刷できない", inc},
		{"ログインできません", inc},
		{"パスワード再設定のページが停止している", inc},
		{"インストールしたソフトがすぐに落ちる", inc},
		{"ネットワーク障害の報告", inc},
		{"申請システムにログインできない", inc},
		{"経費精算の申請画面でエラーになる", inc},
		{"会議室のプロジェクターが映らない", inc},
	} {
		if got := classify(DefaultRules(), "", c.subject, "", "user@customer.example").Type; got != c.want {
			t.Errorf("%q: type %s, want %s", c.subject, got, c.want)
		}
	}
}

// The body counts as well as the subject, and a question stays low
// priority when it asks for a request.
func TestDefaultRules_BodyAndPriorityOfARequest(t *testing.T) {
	c := classify(DefaultRules(), "", "Question", "Hi, how do I reset my password? Thanks", "")
	if c.Type != req || c.Urgency != tickets.Low || c.Impact != tickets.Low {
		t.Errorf("question asking for a reset: %+v", c)
	}
	c = classify(DefaultRules(), "", "Laptop", "My laptop screen is broken since I dropped it.", "")
	if c.Type != inc {
		t.Errorf("broken laptop: %+v", c)
	}
	c = classify(DefaultRules(), "", "【至急】アカウント発行", "本日入社の社員のアカウントを至急発行してください。", "")
	if c.Type != req || c.Urgency != tickets.High {
		t.Errorf("urgent request: %+v", c)
	}
}

func TestBaseSubject_DropsOurLabelsBesideATagOnly(t *testing.T) {
	labels := []string{"Automatic answer", "受付完了", "対応完了", "Received", "Resolved"}
	for in, want := range map[string]string{
		"Re: 【受付完了】[INC-1001] プリンター":                     "プリンター",
		"RE: 【対応完了】[REQ-1002] アカウント発行":                   "アカウント発行",
		"Re: [INC-1001] Received: Printer":               "Printer",
		"Re: [INC-1001] Automatic answer: VPN from home": "VPN from home",
		"Fwd: Re: [INC-1001] Resolved: Disk":             "Disk",
		"【至急】サーバーが停止":                                    "【至急】サーバーが停止",
		"【受付完了】のメールが届きません":                               "【受付完了】のメールが届きません",
		"Received: the invoice":                          "Received: the invoice",
		"Re: [INC-1001] Re: Printer: tray 2":             "Printer: tray 2",
	} {
		if got := baseSubject(in, labels...); got != want {
			t.Errorf("baseSubject(%q) = %q, want %q", in, got, want)
		}
	}
}
