//go:build e2e

package e2e

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"mime/quotedprintable"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/encoding/japanese"
)

// kind is what a generated mail is, and so what the desk must make of it.
type kind int

const (
	kindNew         kind = iota // a person's first mail: new ticket and one acknowledgement
	kindReply                   // the requester answers in the thread: appended, no acknowledgement
	kindOutOfOffice             // Auto-Submitted: auto-replied
	kindList                    // mailing-list traffic (List-Id, Precedence: list)
	kindBounce                  // multipart/report; report-type=delivery-status from MAILER-DAEMON
	kindOwn                     // our own support address as sender
	kindDuplicate               // the same message (same Message-ID) delivered a second time
)

// disposition is the inbound record each kind must end in.
func (k kind) disposition() string {
	switch k {
	case kindNew:
		return "new_ticket"
	case kindReply:
		return "appended"
	case kindOutOfOffice, kindList:
		return "automatic"
	case kindBounce:
		return "bounce"
	case kindOwn:
		return "own_mail"
	case kindDuplicate:
		return "duplicate"
	}
	return "?"
}

// automatic reports whether the sender of this kind must never be answered.
func (k kind) automatic() bool {
	return k == kindOutOfOffice || k == kindList || k == kindBounce || k == kindOwn
}

// mail is one generated message and what it stands for in the model.
type mail struct {
	Kind      kind
	MessageID string // without <>
	From      string // envelope-ish sender address, lower case
	Raw       []byte
	Parent    int // index in the corpus of the mail replied to or duplicated; -1 for none
}

// corpus is a deterministic mix of support mail, in delivery order.
type corpus struct {
	Mails []mail
}

// The mix of one 200-mail corpus. New tickets fill the rest.
const (
	corpusSize       = 200
	corpusReplies    = 24 // to a first mail
	corpusReReplies  = 6  // to a reply (In-Reply-To the reply, References the chain)
	corpusOutOfOffic = 14
	corpusList       = 12
	corpusBounces    = 1
	corpusOwn        = 1
	corpusDuplicates = 2
)

// newCorpus generates the corpus for seed; the same seed gives the same bytes.
func newCorpus(seed uint64) *corpus { return newCorpusOf(seed, 1) }

// newCorpusOf generates scale times the 200-mail mix in one corpus
// (scale 5: 1,000 mails), every sender and Message-ID unique.
func newCorpusOf(seed uint64, scale int) *corpus {
	r := rand.New(rand.NewPCG(seed, 0x6d61646f))
	g := &generator{r: r, base: time.Date(2026, 11, 2, 9, 0, 0, 0, time.FixedZone("JST", 9*3600))}
	c := &corpus{}

	// Independent mails first, shuffled; then each dependent mail (reply,
	// duplicate) is inserted at a random place after the mail it depends on.
	independent := scale * (corpusSize - corpusReplies - corpusReReplies - corpusDuplicates)
	var order []kind
	for range scale * corpusOutOfOffic {
		order = append(order, kindOutOfOffice)
	}
	for range scale * corpusList {
		order = append(order, kindList)
	}
	for range scale * corpusBounces {
		order = append(order, kindBounce)
	}
	for range scale * corpusOwn {
		order = append(order, kindOwn)
	}
	for len(order) < independent {
		order = append(order, kindNew)
	}
	r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	for _, k := range order {
		c.Mails = append(c.Mails, g.independent(k))
	}

	insertAfter := func(parent int, m mail) {
		pos := parent + 1 + r.IntN(len(c.Mails)-parent)
		m.Parent = parent
		// Shift the parent indexes of mails that move down.
		for i := range c.Mails {
			if c.Mails[i].Parent >= pos {
				c.Mails[i].Parent++
			}
		}
		c.Mails = slices.Insert(c.Mails, pos, m)
	}
	pick := func(k kind, taken map[string]bool) int {
		for {
			i := r.IntN(len(c.Mails))
			if c.Mails[i].Kind == k && !taken[c.Mails[i].MessageID] {
				taken[c.Mails[i].MessageID] = true
				return i
			}
		}
	}
	replied := map[string]bool{}
	for range scale * corpusReplies {
		p := pick(kindNew, replied)
		insertAfter(p, g.reply(c.Mails[p], c.chain(p)))
	}
	rereplied := map[string]bool{}
	for range scale * corpusReReplies {
		p := pick(kindReply, rereplied)
		insertAfter(p, g.reply(c.Mails[p], c.chain(p)))
	}
	duplicated := map[string]bool{}
	for range scale * corpusDuplicates {
		p := pick(kindNew, duplicated)
		dup := c.Mails[p]
		dup.Kind = kindDuplicate
		insertAfter(p, dup)
	}
	return c
}

// chain returns the Message-IDs of mail i's thread, oldest first, ending with i.
func (c *corpus) chain(i int) []string {
	var ids []string
	for ; i >= 0; i = c.Mails[i].Parent {
		ids = append([]string{c.Mails[i].MessageID}, ids...)
		if c.Mails[i].Kind != kindReply {
			break
		}
	}
	return ids
}

// eligible counts the mails that must be acknowledged: new tickets from a person.
func (c *corpus) eligible() int {
	n := 0
	for _, m := range c.Mails {
		if m.Kind == kindNew {
			n++
		}
	}
	return n
}

// requesters returns the senders that must each get exactly one acknowledgement.
func (c *corpus) requesters() map[string]bool {
	out := map[string]bool{}
	for _, m := range c.Mails {
		if m.Kind == kindNew {
			out[m.From] = true
		}
	}
	return out
}

// automaticSenders returns the senders that must never get mail from us.
func (c *corpus) automaticSenders() map[string]bool {
	out := map[string]bool{}
	for _, m := range c.Mails {
		if m.Kind.automatic() {
			out[m.From] = true
		}
	}
	return out
}

// dispositions returns, per Message-ID, the sorted dispositions its deliveries must get.
func (c *corpus) dispositions() map[string][]string {
	out := map[string][]string{}
	for _, m := range c.Mails {
		out[m.MessageID] = append(out[m.MessageID], m.Kind.disposition())
	}
	for _, d := range out {
		slices.Sort(d)
	}
	return out
}

// generator writes the mails; n numbers them so every sender and
// Message-ID is unique.
type generator struct {
	r    *rand.Rand
	base time.Time
	n    int
}

var (
	enSubjects = []string{
		"Printer on floor 3 is jammed again", "Cannot connect to the VPN from home",
		"Password reset for the HR portal", "Outlook keeps asking for my password",
		"Request: new laptop for a new hire", "Shared drive S: is read-only",
		"Wi-Fi in meeting room B drops every few minutes", "Please install Visio on my PC",
		"Teams calls have no audio", "Account locked after holiday",
	}
	jaSubjects = []string{
		"プリンターが印刷できません", "VPNに接続できない件", "パスワードの再設定をお願いします",
		"新しいPCの申請", "共有フォルダにアクセスできません", "メールが送信できません",
		"会議室のWi-Fiが不安定です", "ソフトウェアのインストール依頼",
	}
	enBodies = []string{
		"Hello,\n\nSince this morning %s. I restarted twice and it did not help.\nCould you have a look?\n\nThanks,\n%s\n",
		"Hi support,\n\nWe have a problem: %s. It affects the whole team.\n\nBest regards,\n%s\n",
	}
	jaBodies = []string{
		"お世話になっております。\n\n%s。\n再起動しましたが改善しません。\nご確認をお願いいたします。\n\n%s\n",
		"情報システム部 御中\n\n%s。至急対応をお願いします。\n\nよろしくお願いいたします。\n%s\n",
	}
	enNames = []string{"Alice Smith", "Bob Jones", "Carol White", "Dave Brown", "Erin Green", "Frank Moore"}
	jaNames = []string{"山田 太郎", "佐藤 花子", "鈴木 一郎", "高橋 美咲", "田中 健"}
)

func (g *generator) next() (int, time.Time) {
	g.n++
	return g.n, g.base.Add(time.Duration(g.n) * 7 * time.Minute)
}

func (g *generator) independent(k kind) mail {
	switch k {
	case kindOutOfOffice:
		return g.outOfOffice()
	case kindList:
		return g.list()
	case kindBounce:
		return g.bounce()
	case kindOwn:
		return g.own()
	}
	switch g.r.IntN(4) {
	case 0:
		return g.japanese(true)
	case 1:
		return g.japanese(false)
	default:
		return g.english()
	}
}

func (g *generator) english() mail {
	n, date := g.next()
	name := enNames[g.r.IntN(len(enNames))]
	addr := fmt.Sprintf("user%03d@customer.example", n)
	subject := enSubjects[g.r.IntN(len(enSubjects))]
	body := fmt.Sprintf(enBodies[g.r.IntN(len(enBodies))], strings.ToLower(subject), name)
	id := fmt.Sprintf("en.%03d.%x@customer.example", n, g.r.Uint32())
	h := header(name+" <"+addr+">", subject, id, date)
	var raw bytes.Buffer
	raw.WriteString(h)
	switch g.r.IntN(3) {
	case 0: // multipart/alternative with HTML
		raw.WriteString("MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"alt-b\"\r\n\r\n")
		raw.WriteString("--alt-b\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" + crlf(body))
		raw.WriteString("--alt-b\r\nContent-Type: text/html; charset=us-ascii\r\n\r\n<html><body><p>" +
			strings.ReplaceAll(crlf(body), "\r\n", "<br>\r\n") + "</p></body></html>\r\n--alt-b--\r\n")
	case 1: // with a small attachment
		raw.WriteString("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"mix-b\"\r\n\r\n")
		raw.WriteString("--mix-b\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" + crlf(body))
		raw.WriteString("--mix-b\r\nContent-Type: text/plain; name=\"error.log\"\r\nContent-Disposition: attachment; filename=\"error.log\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
		raw.WriteString(base64.StdEncoding.EncodeToString([]byte(strings.Repeat("ERROR 0x80070005 access denied\n", 20))) + "\r\n--mix-b--\r\n")
	default:
		raw.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" + crlf(body))
	}
	return mail{Kind: kindNew, MessageID: id, From: addr, Raw: raw.Bytes(), Parent: -1}
}

// japanese writes a Japanese mail in ISO-2022-JP (as most Japanese mail
// clients still send it) or in UTF-8 (base64 or quoted-printable).
func (g *generator) japanese(iso bool) mail {
	n, date := g.next()
	name := jaNames[g.r.IntN(len(jaNames))]
	addr := fmt.Sprintf("user%03d@kaisha.example.jp", n)
	subject := jaSubjects[g.r.IntN(len(jaSubjects))]
	body := fmt.Sprintf(jaBodies[g.r.IntN(len(jaBodies))], subject, name)
	id := fmt.Sprintf("ja.%03d.%x@kaisha.example.jp", n, g.r.Uint32())
	var raw bytes.Buffer
	if iso {
		raw.WriteString(header(encWordISO(name)+" <"+addr+">", encWordISO(subject), id, date))
		raw.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n")
		raw.WriteString(crlf(toISO2022JP(body)))
	} else {
		raw.WriteString(header(encWordUTF8(name)+" <"+addr+">", encWordUTF8(subject), id, date))
		if g.r.IntN(2) == 0 {
			raw.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n")
			raw.WriteString(wrap76(base64.StdEncoding.EncodeToString([]byte(crlf(body)))))
		} else {
			raw.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
			var qp bytes.Buffer
			w := quotedprintable.NewWriter(&qp)
			w.Write([]byte(crlf(body)))
			w.Close()
			raw.WriteString(crlf(qp.String()) + "\r\n")
		}
	}
	return mail{Kind: kindNew, MessageID: id, From: addr, Raw: raw.Bytes(), Parent: -1}
}

// reply answers parent from parent's sender, quoting it, with In-Reply-To
// and References over thread (oldest first, ending with parent).
func (g *generator) reply(parent mail, thread []string) mail {
	n, date := g.next()
	id := fmt.Sprintf("re.%03d.%x@%s", n, g.r.Uint32(), domainOf(parent.From))
	subject := "Re: " + headerValue(parent.Raw, "Subject")
	refs := "<" + strings.Join(thread, ">\r\n <") + ">"
	var raw bytes.Buffer
	raw.WriteString("From: " + headerValue(parent.Raw, "From") + "\r\n")
	raw.WriteString("To: Example Support <support@example.com>\r\n")
	raw.WriteString("Subject: " + subject + "\r\n")
	raw.WriteString("Date: " + date.Format(time.RFC1123Z) + "\r\n")
	raw.WriteString("Message-ID: <" + id + ">\r\n")
	raw.WriteString("In-Reply-To: <" + thread[len(thread)-1] + ">\r\n")
	raw.WriteString("References: " + refs + "\r\n")
	raw.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	raw.WriteString(crlf(fmt.Sprintf("Still not working, now it also shows error %d.\n追加情報です。\n\n> previous mail\n> quoted text\n", 1000+g.r.IntN(9000))))
	return mail{Kind: kindReply, MessageID: id, From: parent.From, Raw: raw.Bytes(), Parent: -1}
}

func (g *generator) outOfOffice() mail {
	n, date := g.next()
	addr := fmt.Sprintf("away%03d@partner.example", n)
	id := fmt.Sprintf("ooo.%03d.%x@partner.example", n, g.r.Uint32())
	var raw bytes.Buffer
	if g.r.IntN(2) == 0 {
		raw.WriteString(header("Away Person <"+addr+">", "Out of Office: back on Monday", id, date))
		raw.WriteString("Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n")
		raw.WriteString("I am out of the office until Monday with limited access to email.\r\n")
	} else {
		raw.WriteString(header(encWordISO("不在 太郎")+" <"+addr+">", encWordISO("不在のお知らせ"), id, date))
		raw.WriteString("Auto-Submitted: auto-replied\r\nX-Auto-Response-Suppress: All\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n\r\n")
		raw.WriteString(crlf(toISO2022JP("ただいま休暇中のため、返信が遅れます。\n")))
	}
	return mail{Kind: kindOutOfOffice, MessageID: id, From: addr, Raw: raw.Bytes(), Parent: -1}
}

func (g *generator) list() mail {
	n, date := g.next()
	addr := fmt.Sprintf("announce%03d@lists.example.org", n)
	id := fmt.Sprintf("list.%03d.%x@lists.example.org", n, g.r.Uint32())
	var raw bytes.Buffer
	raw.WriteString(header("IT Newsletter <"+addr+">", fmt.Sprintf("[it-news] Weekly digest #%d", n), id, date))
	raw.WriteString("List-Id: IT news <it-news.lists.example.org>\r\nList-Unsubscribe: <mailto:it-news-leave@lists.example.org>\r\nPrecedence: list\r\n")
	raw.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nThis week: patch Tuesday, new VPN client, printer fleet update.\r\n")
	return mail{Kind: kindList, MessageID: id, From: addr, Raw: raw.Bytes(), Parent: -1}
}

func (g *generator) bounce() mail {
	n, date := g.next()
	addr := "mailer-daemon@mx.customer.example"
	id := fmt.Sprintf("dsn.%03d.%x@mx.customer.example", n, g.r.Uint32())
	var raw bytes.Buffer
	raw.WriteString("Return-Path: <>\r\n")
	raw.WriteString(header("Mail Delivery System <MAILER-DAEMON@mx.customer.example>", "Undelivered Mail Returned to Sender", id, date))
	raw.WriteString("Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n")
	raw.WriteString("Content-Type: multipart/report; report-type=delivery-status; boundary=\"dsn-b\"\r\n\r\n")
	raw.WriteString("--dsn-b\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nYour message could not be delivered to gone@customer.example.\r\n")
	raw.WriteString("--dsn-b\r\nContent-Type: message/delivery-status\r\n\r\n")
	raw.WriteString("Reporting-MTA: dns; mx.customer.example\r\nArrival-Date: " + date.Format(time.RFC1123Z) + "\r\n\r\n")
	raw.WriteString("Final-Recipient: rfc822; gone@customer.example\r\nOriginal-Recipient: rfc822; gone@customer.example\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 <gone@customer.example>: Recipient address rejected: User unknown\r\n\r\n")
	raw.WriteString("--dsn-b\r\nContent-Type: text/rfc822-headers\r\n\r\n")
	raw.WriteString("From: Example Support <support@example.com>\r\nTo: gone@customer.example\r\nSubject: [INC-000000] We received your request\r\nMessage-ID: <long-gone@example.com>\r\nAuto-Submitted: auto-replied\r\n\r\n--dsn-b--\r\n")
	return mail{Kind: kindBounce, MessageID: id, From: addr, Raw: raw.Bytes(), Parent: -1}
}

// own is mail from our own support address coming back in (a loop in the making).
func (g *generator) own() mail {
	n, date := g.next()
	id := fmt.Sprintf("own.%03d.%x@example.com", n, g.r.Uint32())
	var raw bytes.Buffer
	raw.WriteString(header("Example Support <support@example.com>", "Your request has been received", id, date))
	raw.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nThank you for contacting support.\r\n")
	return mail{Kind: kindOwn, MessageID: id, From: "support@example.com", Raw: raw.Bytes(), Parent: -1}
}

func header(from, subject, id string, date time.Time) string {
	return "From: " + from + "\r\n" +
		"To: Example Support <support@example.com>\r\n" +
		"Subject: " + subject + "\r\n" +
		"Date: " + date.Format(time.RFC1123Z) + "\r\n" +
		"Message-ID: <" + id + ">\r\n"
}

// headerValue returns the raw (undecoded) value of the first header field name.
func headerValue(raw []byte, name string) string {
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	for _, line := range strings.Split(string(head), "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func toISO2022JP(s string) string {
	out, err := japanese.ISO2022JP.NewEncoder().String(s)
	if err != nil {
		panic(fmt.Sprintf("e2e: corpus text not encodable in ISO-2022-JP: %v", err)) // a bug in the fixed corpus text
	}
	return out
}

// encWordISO writes one RFC 2047 word; the texts are short enough that
// splitting (and the ISO-2022-JP shift state that would need) is not needed.
func encWordISO(s string) string {
	return "=?ISO-2022-JP?B?" + base64.StdEncoding.EncodeToString([]byte(toISO2022JP(s))) + "?="
}

func encWordUTF8(s string) string {
	return "=?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte(s)) + "?="
}

func crlf(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

func wrap76(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	return b.String() + s + "\r\n"
}

func domainOf(addr string) string {
	_, d, _ := strings.Cut(addr, "@")
	return d
}
