package web

import (
	"fmt"
	"net/http"
	"time"

	"golang.org/x/text/language"
)

// This file is the console's two languages: the reader's choice (a
// cookie) wins, else the browser's Accept-Language, else English; and
// every word of the pages in both.

var langMatcher = language.NewMatcher([]language.Tag{language.English, language.Japanese})

const langCookie = "lang"

// langOf is the reader's language: "ja" or "en".
func langOf(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && (c.Value == "ja" || c.Value == "en") {
		return c.Value
	}
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err != nil || len(tags) == 0 {
		return "en"
	}
	if _, i, conf := langMatcher.Match(tags...); i == 1 && conf != language.No {
		return "ja"
	}
	return "en"
}

// setLang remembers the reader's language (a year) and returns to the
// page they were on.
func (s *Server) setLang(w http.ResponseWriter, r *http.Request) {
	l := r.PostFormValue("lang")
	if l != "ja" && l != "en" {
		s.fail(w, r, http.StatusBadRequest, "error.bad_request", "error.bad_request_text")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l, Path: "/", MaxAge: int(365 * 24 * time.Hour / time.Second),
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	seeOther(w, r, localPath(r.PostFormValue("back")))
}

// view starts the view of a page in the reader's language.
func (s *Server) view(r *http.Request, section string) *view {
	return &view{Lang: langOf(r), Session: sessionOf(r), Section: section, Back: localPath(r.URL.RequestURI()),
		Version: s.opts.Version, loc: s.opts.Location, now: s.opts.Now()}
}

// tr is the words of key in lang, with args formatted in; a key without
// words shows itself, marked, and a test keeps that from shipping.
func tr(lang, key string, args ...any) string {
	m, ok := messages[key]
	if !ok {
		return "??" + key + "??"
	}
	s := m[0]
	if lang == "ja" {
		s = m[1]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// messages are the pages' words: key → {English, Japanese}.
var messages = map[string][2]string{
	"app.name":     {"Support desk console", "サポート窓口コンソール"},
	"nav.queue":    {"Queue", "チケット一覧"},
	"nav.faq":      {"FAQ", "FAQ"},
	"nav.reports":  {"Reports", "レポート"},
	"nav.settings": {"Settings", "設定"},
	"footer.zone":  {"times in %s", "時刻は %s"},
	"any":          {"any", "すべて"},
	"optional":     {"optional", "任意"},

	"signin.title":       {"Sign in", "サインイン"},
	"signin.intro":       {"The desk's people, and customers who want to see their requests, sign in with a link mailed to them. Type your address:", "サポート窓口の担当者、またお問い合わせの状況をご覧になりたいお客様は、メールで届くリンクでサインインします。メールアドレスを入力してください。"},
	"signin.address":     {"Mail address", "メールアドレス"},
	"signin.send":        {"Mail me a sign-in link", "サインイン用リンクを送る"},
	"signin.sent":        {"If this address may sign in, a link is on its way to it. It works once, for %d minutes.", "このアドレスでサインインできる場合は、リンクをお送りしました。リンクは一度だけ、%d分間有効です。"},
	"signin.again":       {"Ask for another link", "別のリンクを依頼する"},
	"signin.bad_address": {"That is not a mail address.", "メールアドレスの形式ではありません。"},
	"signin.new_link":    {"Ask for a new link", "新しいリンクを依頼する"},
	"link.used":          {"This link was used already", "このリンクは使用済みです"},
	"link.used_text":     {"A sign-in link works once. Ask for a new one.", "サインイン用リンクは一度しか使えません。新しいリンクを依頼してください。"},
	"link.expired":       {"This link has expired", "このリンクは有効期限切れです"},
	"link.expired_text":  {"A sign-in link works for %d minutes. Ask for a new one.", "サインイン用リンクの有効期間は%d分です。新しいリンクを依頼してください。"},
	"link.invalid":       {"This link is not valid", "このリンクは無効です"},
	"link.invalid_text":  {"Ask for a new sign-in link.", "新しいサインイン用リンクを依頼してください。"},

	// The page of a link of the desk's people (a customer's is in
	// i18n_customer.go).
	"signin.staff_as":      {"This link signs in to the console as", "このリンクでコンソールにサインインするアドレス："},
	"signin.staff_next":    {"Press the button to sign in; the queue opens next.", "ボタンを押すとサインインし、チケット一覧を開きます。"},
	"signin.staff_confirm": {"Sign in", "サインイン"},

	"account.title":       {"Your account", "アカウント"},
	"account.address":     {"Signed in as", "サインイン中のアドレス"},
	"account.role":        {"Role", "役割"},
	"account.until":       {"Signed in until", "サインインの期限"},
	"account.sessions":    {"Browsers signed in", "サインイン中のブラウザー"},
	"account.signout":     {"Sign out", "サインアウト"},
	"account.signout_all": {"Sign out everywhere", "すべてのブラウザーからサインアウト"},
	"role.agent":          {"agent", "担当者"},
	"role.admin":          {"admin", "管理者"},

	"error.back":              {"Back to the queue", "チケット一覧へ戻る"},
	"error.not_found":         {"Not found", "見つかりません"},
	"error.not_found_text":    {"There is nothing at this address.", "このアドレスには何もありません。"},
	"error.refused":           {"Nothing done", "実行されませんでした"},
	"error.refused_text":      {"The desk refused the action: %s", "次の理由で実行できませんでした：%s"},
	"error.internal":          {"Something went wrong", "エラーが発生しました"},
	"error.internal_text":     {"The console could not do this; the log says why.", "処理できませんでした。詳細はログをご確認ください。"},
	"error.forbidden":         {"Not allowed", "許可されていません"},
	"error.cross_origin":      {"This request came from another site and was refused.", "別のサイトからの要求のため拒否しました。"},
	"error.admins_only":       {"Only admins may open this page.", "このページは管理者のみが開けます。"},
	"error.signed_out":        {"Not signed in", "サインインしていません"},
	"error.signed_out_text":   {"Sign in again.", "もう一度サインインしてください。"},
	"error.too_many":          {"Too many requests", "要求が多すぎます"},
	"error.too_many_text":     {"Try again in %d minutes.", "%d分後にもう一度お試しください。"},
	"error.bad_request":       {"Bad request", "不正な要求です"},
	"error.bad_request_text":  {"The form was not filled in as expected.", "入力内容が正しくありません。"},
	"error.no_responder":      {"The FAQ responder is off", "FAQ 自動回答は無効です"},
	"error.no_responder_text": {"Turn on responder.enabled to match texts and find gaps.", "照合とギャップ検出には responder.enabled を有効にしてください。"},
	"error.bad_range":         {"Bad date range", "期間の指定が正しくありません"},

	"queue.title":       {"Queue", "チケット一覧"},
	"queue.search":      {"Search", "検索"},
	"queue.search_hint": {"subject or text", "件名または本文"},
	"queue.mine":        {"Mine", "自分の担当"},
	"queue.nobody":      {"nobody", "未割り当て"},
	"queue.overdue":     {"overdue", "期限超過"},
	"queue.auto":        {"answered automatically", "自動回答済み"},
	"queue.order":       {"Order", "並び順"},
	"queue.apply":       {"Apply", "適用"},
	"queue.counts":      {"Tickets per status", "状態別の件数"},
	"queue.all":         {"All", "すべて"},
	"queue.empty":       {"No tickets.", "チケットはありません。"},
	"queue.auto_badge":  {"FAQ", "FAQ"},
	"order.due":         {"due first", "期限順"},
	"order.newest":      {"newest", "新しい順"},
	"order.oldest":      {"oldest", "古い順"},
	"order.updated":     {"recently updated", "更新順"},
	"order.priority":    {"priority", "優先度順"},
	"pager.prev":        {"Previous", "前へ"},
	"pager.next":        {"Next", "次へ"},
	"pager.page":        {"page %d of %d · %d tickets", "%d / %d ページ · %d 件"},
	"due.in":            {"in %s", "あと %s"},
	"due.overdue":       {"%s overdue", "%s 超過"},

	"field.ref":       {"Ref", "番号"},
	"field.subject":   {"Subject", "件名"},
	"field.requester": {"Requester", "依頼者"},
	"field.type":      {"Type", "種別"},
	"field.priority":  {"Priority", "優先度"},
	"field.status":    {"Status", "状態"},
	"field.tier":      {"Tier", "担当チーム"},
	"field.assignee":  {"Assignee", "担当者"},
	"field.age":       {"Age", "経過"},
	"field.due":       {"Next due", "次の期限"},
	"field.key":       {"Key", "キー"},
	"field.question":  {"Question", "質問"},
	"field.language":  {"Language", "言語"},
	"field.updated":   {"Updated", "更新"},

	"status.new":           {"new", "新規"},
	"status.auto_answered": {"answered from the FAQ", "FAQ 回答済み"},
	"status.escalated":     {"escalated", "エスカレーション"},
	"status.in_progress":   {"in progress", "対応中"},
	"status.on_hold":       {"on hold", "保留"},
	"status.resolved":      {"resolved", "解決"},
	"status.closed":        {"closed", "完了"},
	"type.incident":        {"incident", "インシデント"},
	"type.service_request": {"service request", "サービス要求"},
	"level.high":           {"high", "高"},
	"level.medium":         {"medium", "中"},
	"level.low":            {"low", "低"},
	"target.respond":       {"first response", "初回応答"},
	"target.resolve":       {"resolution", "解決"},

	"ticket.overdue":        {"overdue", "期限超過"},
	"ticket.facts":          {"Ticket", "チケット"},
	"ticket.participants":   {"Participants", "関係者"},
	"ticket.impact_urgency": {"Impact / urgency", "影響度 / 緊急度"},
	"ticket.created":        {"Created", "受付"},
	"ticket.follows":        {"Follows", "前のチケット"},
	"ticket.auto_answer":    {"Answered from FAQ", "FAQ で回答"},
	"ticket.clocks":         {"SLA clocks", "SLA"},
	"ticket.respond_due":    {"First response due", "初回応答期限"},
	"ticket.resolve_due":    {"Resolution due", "解決期限"},
	"ticket.next_due":       {"Next due", "次の期限"},
	"ticket.on_hold_since":  {"On hold since", "保留開始"},
	"ticket.breach":         {"Breached", "SLA 違反"},
	"ticket.suggestions":    {"FAQ suggestions", "FAQ 候補"},
	"ticket.thread":         {"Thread", "やり取り"},
	"ticket.raw":            {"raw mail", "元のメール"},
	"ticket.mail_text":      {"Text of the mail", "メール本文"},
	"ticket.actions":        {"Actions", "操作"},
	"ticket.events":         {"Audit trail", "監査ログ"},
	"ticket.done":           {"Done: %s", "実行しました：%s"},
	"ticket.promoted":       {"Drafted FAQ entry %s.", "FAQ の下書き %s を作成しました。"},

	"mark.customer":    {"customer", "お客様"},
	"mark.participant": {"participant", "関係者"},
	"mark.agent":       {"agent", "担当者"},
	"mark.note":        {"internal note", "内部メモ"},
	"mark.automatic":   {"automatic mail", "自動送信メール"},
	"mark.auto_reply":  {"automatic reply", "自動返信"},
	"mark.auto_answer": {"automatic answer", "自動回答"},
	"mark.relayed":     {"sent to the customer", "お客様へ送信"},
	"mark.third_party": {"third party: changed nothing", "第三者：変更なし"},
	"mark.forged":      {"forged agent reply: refused", "なりすまし：拒否"},
	"mark.bounce":      {"bounce", "配信エラー"},
	"mark.system":      {"system", "システム"},
	"mark.tier_mail":   {"to the tier", "担当チームへ"},

	"mail.ack":              {"acknowledgement", "受付通知"},
	"mail.auto_answer":      {"FAQ answer", "FAQ 回答"},
	"mail.reopened":         {"reopened", "再開通知"},
	"mail.new_after_closed": {"new request", "新規受付"},
	"mail.relay":            {"reply", "回答"},
	"mail.resolution":       {"resolution", "解決通知"},
	"mail.notice":           {"notice", "エスカレーション通知"},
	"mail.forward":          {"forwarded reply", "お客様の返信の転送"},
	"mail.copy":             {"copy", "控え"},
	"mail.reminder":         {"SLA reminder", "SLA リマインダー"},
	"mail.breach":           {"SLA breach", "SLA 違反通知"},
	"mail.bounce_notice":    {"bounce notice", "配信エラー通知"},
	"mail.command_error":    {"command error", "コマンドエラー"},
	"delivery.pending":      {"queued", "送信待ち"},
	"delivery.sent":         {"sent", "送信済み"},
	"delivery.failed":       {"failed", "送信失敗"},
	"delivery.unknown":      {"maybe sent", "送信不明"},

	"action.reply":        {"Reply to the customer", "お客様に回答"},
	"action.note":         {"Internal note", "内部メモ"},
	"action.take":         {"Take", "自分が担当"},
	"action.assign":       {"Assign", "担当者を割り当て"},
	"action.priority":     {"Priority", "優先度を変更"},
	"action.type":         {"Type", "種別を変更"},
	"action.hold":         {"Put on hold", "保留"},
	"action.escalate":     {"Escalate to the next tier", "次の担当チームへエスカレーション"},
	"action.resolve":      {"Resolve", "解決"},
	"action.close":        {"Close", "完了"},
	"action.answer":       {"Answer with an FAQ entry", "FAQ で回答"},
	"action.promote":      {"Promote to FAQ", "FAQ に登録"},
	"input.text":          {"Text", "本文"},
	"input.to":            {"Assign to", "担当者"},
	"input.priority":      {"Priority", "優先度"},
	"input.type":          {"Type", "種別"},
	"input.key":           {"FAQ key", "FAQ キー"},
	"input.answer":        {"Answer", "回答"},
	"promote.answer_hint": {"the last agent answer", "最後の担当者の回答"},

	"faq.title":           {"FAQ entries", "FAQ"},
	"faq.new":             {"New entry", "新規作成"},
	"faq.test":            {"Test box", "照合テスト"},
	"faq.gaps":            {"Gaps", "未回答の問い合わせ"},
	"faq.votes":           {"Votes", "評価"},
	"faq.paraphrases":     {"Paraphrases", "言い換え"},
	"faq.empty":           {"No entries.", "FAQ はありません。"},
	"faq.entry":           {"FAQ entry", "FAQ"},
	"faq.tags":            {"Tags (comma-separated)", "タグ（カンマ区切り）"},
	"faq.create":          {"Create draft", "下書きを作成"},
	"faq.save":            {"Save", "保存"},
	"faq.do_publish":      {"Publish", "公開"},
	"faq.do_retire":       {"Retire", "廃止"},
	"faq.do_draft":        {"Back to draft", "下書きに戻す"},
	"faq.helpful":         {"%d helpful", "役に立った %d"},
	"faq.not_helpful":     {"%d not helpful", "役に立たなかった %d"},
	"faq.source":          {"Promoted from", "元のチケット"},
	"faq.no_paraphrases":  {"None yet: confirmed automatic answers add the customer's wording.", "まだありません。自動回答が確認されるとお客様の表現が追加されます。"},
	"faq.audit":           {"Audit trail", "監査ログ"},
	"faq.saved":           {"Saved.", "保存しました。"},
	"faq.moved":           {"Now %s.", "%sにしました。"},
	"faq.no_responder":    {"The FAQ responder is off (responder.enabled).", "FAQ 自動回答は無効です（responder.enabled）。"},
	"faqstatus.draft":     {"draft", "下書き"},
	"faqstatus.published": {"published", "公開"},
	"faqstatus.retired":   {"retired", "廃止"},
	"language.en":         {"English", "英語"},
	"language.ja":         {"Japanese", "日本語"},
	"language.detect":     {"detect", "自動判定"},

	"gaps.intro":   {"Resolved incidents that no FAQ entry answers, grouped by likeness, largest group first: the entries to write next.", "FAQ で回答できなかった解決済みの問い合わせを、似たもの同士でまとめています（多い順）。次に書くべき FAQ です。"},
	"gaps.count":   {"%d tickets", "%d件"},
	"gaps.promote": {"Draft an entry from %s", "%s から FAQ の下書きを作成"},
	"gaps.none":    {"No gaps: every resolved incident has an entry that answers it.", "未回答の問い合わせはありません。"},

	"test.intro":        {"Type what a customer might write: the matcher ranks the entries, estimates its confidence, and says what it would do.", "お客様が書きそうな文を入力すると、候補の順位、確信度、自動回答するかどうかを表示します。"},
	"test.text":         {"Customer's text", "お客様の文面"},
	"test.run":          {"Match", "照合"},
	"test.decision":     {"Decision:", "判定："},
	"test.confidence":   {"Confidence", "確信度"},
	"test.none":         {"No entry matches.", "該当する FAQ はありません。"},
	"decision.auto":     {"answer automatically", "自動回答"},
	"decision.suggest":  {"suggest to agents", "担当者に候補を提示"},
	"decision.escalate": {"escalate to agents", "担当者へエスカレーション"},

	"reports.title":           {"Reports", "レポート"},
	"reports.from":            {"From", "開始日"},
	"reports.to":              {"To", "終了日"},
	"reports.last7":           {"last 7 days", "直近7日"},
	"reports.last30":          {"last 30 days", "直近30日"},
	"reports.last365":         {"last year", "直近1年"},
	"reports.volume":          {"Tickets per day", "日別のチケット数"},
	"reports.volume_type":     {"Tickets per day by type", "種別ごとの日別チケット数"},
	"reports.volume_priority": {"Tickets per day by priority", "優先度ごとの日別チケット数"},
	"reports.total":           {"%d in all", "合計 %d 件"},
	"reports.times":           {"First response and resolution times", "初回応答と解決までの時間"},
	"reports.times_note":      {"Percentiles are wall-clock time from the ticket's creation; targets and \"in time\" count business time, as the SLA clocks do.", "パーセンタイルは受付からの実時間です。目標と期限内の割合は SLA と同じく営業時間で数えます。"},
	"reports.responded":       {"Answered", "応答数"},
	"reports.resolved":        {"Resolved", "解決数"},
	"reports.target":          {"Target", "目標"},
	"reports.in_time":         {"In time", "期限内"},
	"reports.hours":           {"hours", "時間"},
	"reports.compliance":      {"SLA compliance", "SLA 遵守率"},
	"reports.tickets":         {"Tickets", "チケット数"},
	"reports.respond_met":     {"First response met", "初回応答の遵守率"},
	"reports.resolve_met":     {"Resolution met", "解決の遵守率"},
	"reports.no_tier":         {"none", "なし"},
	"reports.auto":            {"Automatic answers", "自動回答"},
	"reports.auto_answered":   {"Answered automatically", "自動回答"},
	"reports.by_people":       {"Answered by people", "担当者が対応"},
	"reports.helpful":         {"Confirmed helpful", "役に立った"},
	"reports.not_helpful":     {"Not helpful", "役に立たなかった"},
	"reports.backlog":         {"Open tickets by age at %s", "%s 時点の未解決チケット（経過日数別）"},
	"reports.backlog_short":   {"Open tickets by age", "経過日数別の未解決チケット"},
	"reports.age0":            {"under 1 day", "1日未満"},
	"reports.age1":            {"1–3 days", "1〜3日"},
	"reports.age2":            {"3–7 days", "3〜7日"},
	"reports.age3":            {"7–30 days", "7〜30日"},
	"reports.age4":            {"30 days or more", "30日以上"},
	"reports.tops":            {"Tops", "上位"},
	"reports.top_faq":         {"FAQ entries answering most", "回答の多い FAQ"},
	"reports.top_requesters":  {"Busiest requesters", "依頼の多いお客様"},
	"reports.top_subjects":    {"Most frequent subjects", "多い件名"},
	"reports.csv":             {"Download CSV", "CSV をダウンロード"},

	"settings.title":          {"Settings", "設定"},
	"settings.intro":          {"The configuration as the gateway runs it (madoguchi check-config shows all of it). Change it in the file and restart.", "現在の設定です（すべては madoguchi check-config で確認できます）。変更は設定ファイルで行い、再起動してください。"},
	"settings.tiers":          {"Tiers", "担当チーム"},
	"settings.notify":         {"Notified", "通知先"},
	"settings.agents":         {"Agents", "担当者"},
	"settings.escalate_after": {"Escalates after", "エスカレーションまで"},
	"settings.no_tiers":       {"No tiers: escalated tickets wait in the queue.", "担当チームは未設定です。"},
	"settings.sla":            {"SLA targets", "SLA 目標"},
	"settings.respond":        {"First response", "初回応答"},
	"settings.resolve":        {"Resolution", "解決"},
	"settings.hours":          {"Business hours", "営業時間"},
	"settings.24x7":           {"around the clock", "24時間365日"},
	"settings.admins":         {"Admins", "管理者"},
	"settings.digest":         {"Digest", "定期レポート"},
	"settings.support":        {"Support address", "サポート窓口のアドレス"},
	"settings.base_url":       {"Console address", "コンソールのアドレス"},
	"settings.session":        {"Session lifetime", "サインインの有効期間"},
	"settings.responder":      {"FAQ responder (auto / suggest)", "FAQ 自動回答（自動 / 候補）"},
	"settings.on":             {"on", "有効"},
	"settings.off":            {"off", "無効"},

	"event.when":   {"When", "日時"},
	"event.kind":   {"What", "内容"},
	"event.actor":  {"Who", "実行者"},
	"event.detail": {"Detail", "詳細"},
}
