package desk

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/width"

	"github.com/madoguchi/madoguchi/intake/mime"
	"github.com/madoguchi/madoguchi/tickets"
)

// replyVerdict is what a customer's reply to one of our answers says.
type replyVerdict int

const (
	// replyUnclear: neither a clear success nor a problem report (a
	// question, a request, a hedge, or nothing to go by). A person reads
	// it; the FAQ entry gets no vote.
	replyUnclear replyVerdict = iota
	// replySuccess: thanks or words of success, and nothing against them.
	replySuccess
	// replyFailure: an explicit problem report ("the error remains").
	replyFailure
)

func (v replyVerdict) String() string {
	switch v {
	case replySuccess:
		return "success"
	case replyFailure:
		return "failure"
	}
	return "unclear"
}

// replyClass is a verdict and the words it rests on, for the audit trail.
type replyClass struct {
	verdict replyVerdict
	reason  string
}

// classifyCustomerReply classifies a customer's reply on a ticket by the
// customer's own words.
func classifyCustomerReply(tx *tickets.Tx, t *tickets.Ticket, msg *mime.Message) (replyClass, error) {
	sent, err := sentTexts(tx, t)
	if err != nil {
		return replyClass{}, err
	}
	return classifyReply(ownWords(msg.Text, sent)), nil
}

// sentTexts are the texts of the automatic mails we sent on a ticket: our
// templates, which a reply may quote without marks. Agents' mails are left
// out: their "Thanks," on a line of its own is what customers write too.
func sentTexts(tx *tickets.Tx, t *tickets.Ticket) ([]string, error) {
	entries, err := tx.Entries(t.ID)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.Kind == tickets.KindAutomatic && e.Direction == tickets.DirOut && e.Text != "" {
			out = append(out, e.Text)
		}
	}
	return out, nil
}

// classifyReply reads the customer's own words of a reply (see ownWords).
// A reply is a success only when it thanks or says the problem is solved
// and reports no problem, asks nothing and requests nothing: resolving a
// ticket whose problem is not solved is the costly mistake, escalating a
// thank-you costs a person a glance.
func classifyReply(text string) replyClass {
	s := normalizeReply(text)
	if strings.TrimSpace(s) == "" {
		return replyClass{replyUnclear, "no words of the customer's own"}
	}
	s = courtesyWords.ReplaceAllString(s, "$1 ")
	// Phrases that say the problem is gone, or that the ticket may be
	// closed, count as success and are taken out before the problem words
	// are looked for ("the error is gone", "問題ありません").
	success := ""
	for _, re := range []*regexp.Regexp{closeWords, goneWords} {
		if m := re.FindString(s); m != "" {
			success = firstNonEmpty(success, m)
			s = re.ReplaceAllString(s, " ")
		}
	}
	pending := pendingWords.FindString(s)
	s = pendingWords.ReplaceAllString(s, " ")
	if m := problemWords.FindString(s); m != "" {
		return replyClass{replyFailure, fmt.Sprintf("problem report %q", strings.TrimSpace(m))}
	}
	for _, c := range []struct {
		what string
		re   *regexp.Regexp
	}{{"question", questionWords}, {"request", requestWords}, {"hedge", hedgeWords}} {
		if m := c.re.FindString(s); m != "" {
			return replyClass{replyUnclear, fmt.Sprintf("%s %q", c.what, strings.TrimSpace(m))}
		}
	}
	if pending != "" {
		return replyClass{replyUnclear, fmt.Sprintf("not tried yet %q", strings.TrimSpace(pending))}
	}
	if m := successWords.FindString(s); m != "" {
		success = firstNonEmpty(success, m)
	}
	if success == "" {
		return replyClass{replyUnclear, "no words of thanks or success"}
	}
	return replyClass{replySuccess, fmt.Sprintf("success %q", strings.TrimSpace(success))}
}

// maxReplyText bounds the text classified: the customer's answer is at the
// top; a long reply is not a plain thank-you anyway.
const maxReplyText = 2000

// normalizeReply lower-cases, folds full-width ASCII (？ → ?) and the
// typographic apostrophe, and cuts the text to maxReplyText bytes on a
// character boundary.
func normalizeReply(text string) string {
	text = width.Fold.String(truncate(text, maxReplyText))
	return strings.ToLower(strings.NewReplacer("’", "'", "‘", "'").Replace(text))
}

// truncate cuts s to at most n bytes on a character boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// The word lists, on lower-cased text with full-width ASCII folded. English
// words stand alone (\b); Japanese needs no boundary.
var (
	// Polite formulas that carry no meaning here: "すみません" is not a
	// negation, a closing "よろしくお願いいたします" is not a request (but
	// "ご対応よろしくお願いいたします" is, so only a formula that starts a
	// sentence goes).
	courtesyWords = regexp.MustCompile(`(^|[。.!\n])\s*(以上、?)?(今後とも|引き続き)?(どうぞ)?よろしくお願い(いたします|致します|します|申し上げます)|` +
		`(お手数|ご迷惑|ご面倒)を?おかけ(し|いたし|致し)(て|ました)(が|けど)?、?|(すみません|申し訳(ござい|あり)ません)(でした)?|お世話になって?(おります|います|なります)`)

	// The customer says the ticket may be closed.
	closeWords = regexp.MustCompile(`\b((please|you (can|may)|feel free to) )?close (it|this|that|(this|the|my) (ticket|request|case))\b|\bno need to (reply|respond|answer|get back)\b|` +
		`(本件|この件|こちら)?(は|を)?(クローズ|完了|終了)(として|にして|にしていただいて|して)(ください|下さい|(結構|構いません|大丈夫)です)|ご放念ください`)

	// The problem is said to be gone.
	goneWords = regexp.MustCompile(`\b(no (more|longer) (errors?|problems?|issues?)|` +
		`(the |that |this |my )?(errors?|problems?|issues?) (is |are |has been |have been )?(gone|fixed|solved|resolved|disappeared|cleared)|` +
		`(fixed|solved|resolved|cleared|got rid of) (the |that |this |my )?(errors?|problems?|issues?)|` +
		`(isn't|is not|not) (broken|failing|an issue|a problem) any ?more|no problems?( any ?more)?|without (any )?(errors?|problems?|issues?))\b|` +
		`エラー(は|も|が)?(出なく|でなく|消え|解消|直り|治り|なくなり|無くなり|表示されなく)|エラー(は|も)?(出ません|出ていません|表示されません|ありません)|` +
		`問題(は|も)?(ありません|ございません|ないです|なく|なし)|(正しく|正常に)(表示|動作|接続|送信|受信|ログイン)?(でき|され|し)?(ます|ました|ています)`)

	// The customer has not tried the answer yet.
	pendingWords = regexp.MustCompile(`\b(i'll|i will|will|we'll|we will|going to|let me) (try|test|check|give it a try|look)\b|\bnot (tried|tested|checked) (it |this )?yet\b|` +
		`まだ(試して|確認して|実施して|やって)(い)?ません|これから(試|確認|実施)|後ほど(試|確認)|試してみます|確認してみます`)

	// An explicit report that the problem is not solved.
	problemWords = regexp.MustCompile(`\b(errors?|persists?|persisting|remains?|remaining|still|unfortunately|` +
		`(doesn't|does not|don't|do not|didn't|did not|won't|will not|isn't|is not|aren't|are not|wasn't|was not)( seem to| really| quite)? ` +
		`(work|working|help|helping|fix|solve|change|connect|load|open|start)|not (working|fixed|solved|resolved)|no longer works?|stopped working|` +
		`can't|cannot|can not|couldn't|could not|unable|fails?|failed|failing|failure|broken|crash(es|ed)?|denied|no luck|nothing (changed|happened)|` +
		`same (problem|error|issue|result|thing|message)|(happens|happened|occurs|occurred|is back|came back|comes back) again|not what i|` +
		`(there is|there's|i have|i'm having|i am having|we have|we're having|we are having|having) (a|an|the|another|some) (problem|issue))\b|` +
		`エラー|まだ|相変わらず|依然|再発|失敗|不具合|障害|拒否|だめ|ダメ|駄目|` +
		`(直ら|治ら|解決し|解決でき|解消し|解消され|変わら|つながら|繋がら|動か|開か|開け|届か|使え|入れ|うまくいか|上手くいか|でき|出来)(ない|なく|ず)|` +
		`(動作|接続|起動|表示|反映|同期|送信|受信)(しない|しません|しなく|されない|されません|されなく|せず|されず)|` +
		`(直り|治り|解決し|解決でき|解消し|解消され|変わり|つながり|繋がり|動き|開き|開け|届き|使え|入れ|うまくいき|上手くいき|でき|出来|表示され)ません|` +
		`解決していません|変化(が)?(ない|ありません)|表示されます|表示されました|出ます|出てきます|出てしまいます|` +
		`同じ(エラー|症状|状況|現象|問題|結果|メッセージ)`)

	// A question: a question mark, a Japanese sentence ending in か, or the
	// words of one.
	questionWords = regexp.MustCompile(`(?m)\?|(か|かな|かしら)\s*([。.!]|$)|` +
		`\b(how (do|can|could|should|would) (i|we|you)|how to|what (is|are|about|should|do)|where (is|are|can|do)|when (will|can|do|does)|` +
		`why (is|does|do|did|can)|is (it|there) (possible|a way)|can (i|we)|could (i|we)|do you know|any idea|` +
		`(another|one more|a further|a follow-?up|an additional|a new|a different) question|i (was )?wonder(ing)?)\b|` +
		`質問|お尋ね|お聞きしたい|伺いたい|どう(すれば|したら|やって)|別件`)

	// A request: something is still wanted of us.
	requestWords = regexp.MustCompile(`\b(please|pls|plz|could you|can you|would you|will you|i need|we need|need (help|this|it|someone|somebody|to)|` +
		`needs? to be|help me|let me know|get back to me|call me|contact me|send me|i'd like|i would like|i want|we want|asap|urgent(ly)?|` +
		`right away|immediately|thanks in advance|thank you in advance|tia)\b|` +
		`ください|下さい|いただけ|頂け|もらえ|ほしい|欲しい|お願い|願います|至急|急ぎ|困って|教えて`)

	// Words that take back what comes before them ("thanks, but ...").
	hedgeWords = regexp.MustCompile(`\b(but|however|although|though|except|only (after|when|if)|sometimes|partially|partly|kind of|sort of|not sure|unsure)\b|` +
		`しかし|でも|けど|けれど|ただ、|ただし|ですが|ましたが|ますが`)

	// Thanks, or words that the answer solved the problem.
	successWords = regexp.MustCompile(`\b(thanks?|thank you|thx|ty|cheers|much appreciated|appreciate it|` +
		`(that|this|it|which) (fixed|solved|resolved|worked|helped|did it|did the trick)|` +
		`(it|that|this|everything|all) (works|worked|is working)|works? (now|again|fine|perfectly|great|like a charm)|working (now|again|fine|perfectly)|` +
		`like a charm|(all|it's|that's|everything's) (good|fine|sorted|set)( now)?|all good|all set|perfect|great|excellent|awesome|` +
		`solved|resolved|fixed|sorted|got it( working)?|up and running|back to normal)\b|` +
		`解決しました|解決いたしました|解決致しました|解決できました|解消しました|解消いたしました|解消されました|ありがとう|助かりました|` +
		`直りました|治りました|できました|出来ました|つながりました|繋がりました|動きました|うまくいきました|上手くいきました|` +
		`(でき|出来|使え|つなが|繋が|見られ|開け)るようになりました|問題なく|大丈夫です`)
)

// ownWords is the customer's own new text of a reply: quoted history
// stripped, then cut before the first line that repeats a mail we sent
// (a client quoting without "> " marks would otherwise have our own
// template's words, "If it did not" or "お手数ですが", read as theirs).
func ownWords(text string, sent []string) string {
	text = mime.StripQuoted(text)
	if len(sent) == 0 {
		return text
	}
	// Only the start is classified; a long log pasted below is not
	// compared line by line with our mails.
	own := strings.Split(truncate(text, maxReplyText), "\n")
	if i := newOurText(sent, nil, nil, "").cut(own); i < len(own) {
		return strings.TrimSpace(strings.Join(own[:i], "\n"))
	}
	return strings.Join(own, "\n")
}
