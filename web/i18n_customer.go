package web

// The words of the pages issue 19 added: the viewers' refusals and read
// only ticket page, the customers' status, rating and "my tickets" pages,
// and the satisfaction report; key → {English, Japanese}, as messages.
// The customers' words speak to customers: polite Japanese, no desk
// jargon (SLA, tier, escalation).
var customerMessages = map[string][2]string{
	"customer.app": {"Support desk", "サポート窓口"},
	"nav.my":       {"My requests", "お問い合わせ一覧"},

	"error.staff_only":   {"This page is for the support desk's people.", "このページはサポート窓口の担当者向けです。"},
	"error.read_only":    {"Viewers read the desk; they cannot act on it.", "閲覧者は閲覧のみできます。操作はできません。"},
	"error.reports_only": {"Only admins and viewers may open the reports.", "レポートは管理者と閲覧者のみが開けます。"},
	"role.viewer":        {"viewer", "閲覧者"},
	"role.customer":      {"customer", "お客様"},

	"ticket.read_only": {"You read this ticket as a viewer: nothing can be done from here, and your view is recorded on its audit trail.",
		"閲覧者として表示しています。ここからは操作できません。閲覧は監査ログに記録されます。"},
	"ticket.rating": {"Customer's rating", "お客様の評価"},
	"rating.good":   {"good", "良かった"},
	"rating.bad":    {"bad", "良くなかった"},
	"rating.any":    {"rated", "評価あり"},
	"rating.none":   {"not rated", "評価なし"},
	"answer.auto":   {"automatic answer", "自動回答"},
	"answer.agent":  {"agents' answer", "担当者の回答"},
	"field.rating":  {"Rating", "評価"},

	"signin.confirm_text": {"Press the button to see your requests.", "ボタンを押すと、お問い合わせ一覧を表示します。"},
	"signin.confirm":      {"Show my requests", "お問い合わせ一覧を表示"},

	"spage.your_request": {"Your request", "お問い合わせ"},
	"spage.priority":     {"Priority %s", "優先度 %s"},
	"spage.since":        {"Received %s", "受付 %s"},
	"spage.thread":       {"Messages", "やり取り"},
	"spage.no_messages":  {"No messages yet.", "やり取りはまだありません。"},
	"spage.reply":        {"Add a message", "追加のご連絡"},
	"spage.reply_hint": {"Your message is added to your request and reaches our support team, as a reply to our mail would.",
		"メールへのご返信と同じく、お問い合わせに記録され、担当者へ届きます。"},
	"spage.message": {"Message", "ご連絡内容"},
	"spage.send":    {"Send", "送信"},
	"spage.sent":    {"Your message was added to your request.", "ご連絡をお問い合わせに追加しました。"},
	"spage.empty":   {"Write a message first.", "ご連絡内容をご入力ください。"},
	"spage.too_long": {"Your message is too long: at most %d characters.",
		"ご連絡内容が長すぎます（%d文字まで）。"},
	"spage.closed": {"This request is closed. To ask about it again, write to us: your mail opens a new request.",
		"このお問い合わせは完了しています。再度のお問い合わせはメールでお送りください。新しいお問い合わせとして承ります。"},
	"spage.expires": {"This page's link works until %s.", "このページのリンクは %s まで有効です。"},
	"spage.mine":    {"See all your requests", "お問い合わせ一覧を見る"},
	"spage.rated":   {"You rated it %s (%s).", "「%s」と評価いただきました（%s）。"},

	"cstatus.new":           {"Received", "受付済み"},
	"cstatus.escalated":     {"With our support team", "担当者へ引き継ぎ済み"},
	"cstatus.in_progress":   {"In progress", "対応中"},
	"cstatus.on_hold":       {"Waiting for your reply", "お客様からのご連絡待ち"},
	"cstatus.auto_answered": {"Answered from our FAQ", "FAQ でご回答済み"},
	"cstatus.resolved":      {"Resolved", "解決済み"},
	"cstatus.closed":        {"Closed", "完了"},

	"promise.respond.today":             {"We will answer today.", "本日中に回答予定"},
	"promise.respond.next_business_day": {"We will answer within the next business day.", "翌営業日中に回答予定"},
	"promise.respond.by":                {"We will answer by %s.", "%sまでに回答予定"},
	"promise.respond.soon":              {"We will answer as soon as we can.", "できるだけ早く回答いたします"},
	"promise.resolve.today":             {"We aim to resolve it today.", "本日中に解決予定"},
	"promise.resolve.next_business_day": {"We aim to resolve it within the next business day.", "翌営業日中に解決予定"},
	"promise.resolve.by":                {"We aim to resolve it by %s.", "%sまでに解決予定"},
	"promise.resolve.soon":              {"We are working on it and will resolve it as soon as we can.", "できるだけ早く解決できるよう対応しております"},
	"promise.waiting":                   {"We are waiting for your reply.", "お客様からのご連絡をお待ちしております"},
	"promise.auto_answered": {"We sent you an answer from our FAQ. If it did not help, tell us below.",
		"FAQ からご回答をお送りしました。解決しない場合は、下のフォームからお知らせください。"},
	"promise.resolved": {"We have resolved your request. If the problem is not solved, tell us below and we will reopen it.",
		"対応が完了しました。解決していない場合は、下のフォームからお知らせください。対応を再開いたします。"},

	"item.customer":    {"customer", "お客様"},
	"item.participant": {"participant", "関係者"},
	"item.reply":       {"support team", "サポート担当者"},
	"item.auto":        {"automatic message", "自動送信"},
	"item.auto_answer": {"answer from our FAQ", "FAQ からの回答"},
	"item.page":        {"sent on this page", "このページから送信"},

	"rate.title":         {"Your rating", "ご評価"},
	"rate.question":      {"How did we do with this request?", "このお問い合わせへの対応はいかがでしたか。"},
	"rate.question_auto": {"Did the answer from our FAQ help?", "FAQ からの回答はお役に立ちましたか。"},
	"rate.good":          {"Good", "良かった"},
	"rate.bad":           {"Bad", "良くなかった"},
	"rate.good_auto":     {"Yes, it helped", "役に立った"},
	"rate.bad_auto":      {"No, it did not", "役に立たなかった"},
	"rate.comment":       {"Comment", "コメント"},
	"rate.send":          {"Send my rating", "評価を送信"},
	"rate.nothing_yet":   {"Nothing is recorded until you press the button.", "ボタンを押すまで、評価は記録されません。"},
	"rate.not_now":       {"This request is being worked on again: you can rate it once it is resolved.", "このお問い合わせは現在対応中です。対応完了後にご評価いただけます。"},
	"rate.closed":        {"This request is closed and its rating stands.", "このお問い合わせは完了しており、評価は確定しています。"},
	"rate.change":        {"You may change your rating until the request closes:", "お問い合わせの完了までは、評価を変更いただけます。"},
	"rate.back":          {"Back to your request", "お問い合わせへ戻る"},
	"rate.thanks":        {"Thank you for your rating.", "ご評価ありがとうございました。"},
	"rate.thanks_taken_over": {"Thank you. A member of our support team will take over your request.",
		"ご評価ありがとうございました。担当者が引き継いでご対応いたします。"},

	"link.status_invalid":      {"This link opens no request", "このリンクは無効です"},
	"link.status_invalid_text": {"Check that the link is whole, or see all your requests.", "リンクが途中で切れていないかご確認いただくか、お問い合わせ一覧をご覧ください。"},
	"link.status_expired":      {"This link has expired", "このリンクは有効期限が切れています"},
	"link.status_expired_text": {"The request closed more than %d days ago, so its page is no longer open. To ask about it again, write to us: your mail opens a new request.",
		"お問い合わせの完了から%d日以上が経過したため、このページは表示できません。再度のお問い合わせはメールでお送りください。新しいお問い合わせとして承ります。"},

	"my.title":   {"Your requests", "お問い合わせ一覧"},
	"my.intro":   {"Every request you sent us, newest first; a request's page shows how it stands.", "これまでのお問い合わせです（新しい順）。各お問い合わせのページで状況をご確認いただけます。"},
	"my.created": {"Received", "受付日時"},
	"my.empty":   {"No requests.", "お問い合わせはありません。"},

	"queue.rating": {"Rating", "評価"},

	"reports.satisfaction":       {"Customer satisfaction", "お客様満足度"},
	"reports.satisfaction_note":  {"The ratings customers gave in the range (a later rating replaces an earlier one), good against bad.", "期間中にお客様からいただいた評価です（後の評価が前の評価に置き換わります）。"},
	"reports.satisfaction_total": {"%d good, %d bad: %s good", "良かった %d件、良くなかった %d件（良かった %s）"},
	"reports.by_month":           {"By month", "月別"},
	"reports.by_answer":          {"Automatic answers and agents' answers", "自動回答と担当者の回答"},
	"reports.by_tier":            {"By tier", "担当チーム別"},
	"reports.by_agent":           {"By agent", "担当者別"},
	"reports.by_priority":        {"By priority", "優先度別"},
	"reports.by_type":            {"By type", "種別別"},
	"reports.good":               {"Good", "良かった"},
	"reports.bad":                {"Bad", "良くなかった"},
	"reports.good_share":         {"Good share", "良かった割合"},
	"reports.no_agent":           {"no agent", "担当者なし"},
	"reports.no_ratings":         {"No ratings in this range.", "この期間の評価はありません。"},
	"reports.satisfaction_chart": {"Ratings per month", "月別の評価"},
	"settings.viewers":           {"Viewers", "閲覧者"},
	"settings.viewers_see_notes": {"Viewers see internal notes", "閲覧者への内部メモの表示"},
}

func init() {
	for k, v := range customerMessages {
		if _, dup := messages[k]; dup {
			panic("web: message " + k + " is defined twice")
		}
		messages[k] = v
	}
}
