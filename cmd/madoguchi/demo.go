package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/text/encoding/japanese"

	"github.com/madoguchi/madoguchi/config"
	"github.com/madoguchi/madoguchi/internal/mailserver"
	"github.com/madoguchi/madoguchi/lang"
	"github.com/madoguchi/madoguchi/tickets"
)

func newDemoCmd() *cobra.Command {
	var once bool
	var dataDir string
	cmd := &cobra.Command{
		Use:   "demo [--once] [--data DIR]",
		Short: "Run the real pipeline on in-process IMAP and SMTP servers with sample mail",
		Long: `demo starts an in-process IMAP server (go-imap's imapmemserver) and SMTP
server (go-smtp) on 127.0.0.1, delivers sample mail in English and Japanese
(a question, an urgent incident, a reply to a ticket, an out-of-office reply,
a bounce), runs the real pipeline on them, and prints for each mail its
disposition, the ticket and its status, and what was sent back.

A tier of agents (L1: agent@demo.example) gets the tickets the FAQ does not
close; the demo plays the agent, who answers one ticket by mail and takes
another, and the customer, who answers back. The bodies of the mails sent
to customers and agents are printed, so you read what they get.

It then says what it did ("Demo done: …") and where the database is. The
database stays in the data directory (--data, or a new one it names), with
a madoguchi.toml there for the other commands, e.g.
  madoguchi --config DIR/madoguchi.toml tickets list

Then it keeps running with the server addresses printed, so you can send
more mail to the support address through its SMTP server with any client:
it lands in the IMAP mailbox and madoguchi answers it. It also serves the
console on loopback (127.0.0.1:8025, or a free port when that is taken) and
prints a sign-in link for the demo's admin; its last line says where the
console is and that Ctrl-C stops the demo.

With --once it ends after the sample mail instead, exit 0, without a
console; its last line is the "Demo done" line.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runDemo(c.Context(), c.OutOrStdout(), dataDir, once)
		},
	}
	cmd.Flags().BoolVar(&once, "once", false, "end after the sample mail, without serving the console")
	cmd.Flags().StringVar(&dataDir, "data", "", "directory for the demo database and its madoguchi.toml (default: a new directory under the system's temporary directory, kept)")
	return cmd
}

const (
	demoSupport = "support@demo.example"
	demoAgent   = "agent@demo.example"
	demoTier    = "l1@demo.example"
	demoAdmin   = "admin@demo.example"
	demoConsole = "127.0.0.1:8025"
)

// listenLoopback binds the demo's console: 127.0.0.1:8025 when free, else
// any free loopback port.
func listenLoopback() (net.Listener, error) {
	if ln, err := net.Listen("tcp", demoConsole); err == nil {
		return ln, nil
	}
	return net.Listen("tcp", "127.0.0.1:0")
}

// runDemo plays the sample scenario on fresh in-process servers and a
// store in dataDir, then goes on serving with the console, or with once
// stops.
func runDemo(ctx context.Context, out io.Writer, dataDir string, once bool) error {
	if dataDir == "" {
		dir, err := os.MkdirTemp("", "madoguchi-demo-")
		if err != nil {
			return err
		}
		dataDir = dir
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	imapSrv, err := mailserver.StartIMAP(mailserver.IMAPOptions{Username: "demo", Password: "demo"})
	if err != nil {
		return fmt.Errorf("demo: starting IMAP server: %w", err)
	}
	defer imapSrv.Close()
	smtpSrv, err := mailserver.StartSMTP(mailserver.SMTPOptions{})
	if err != nil {
		return fmt.Errorf("demo: starting SMTP server: %w", err)
	}
	defer smtpSrv.Close()

	cfg := config.Default()
	cfg.Store.Path = filepath.Join(dataDir, "madoguchi.db")
	cfg.IMAP.Address, cfg.IMAP.Security, cfg.IMAP.Username, cfg.IMAP.Password = imapSrv.Addr, config.SecurityInsecure, "demo", "demo"
	cfg.IMAP.PollInterval = config.Duration{Duration: 5 * time.Second}
	cfg.SMTP.Address, cfg.SMTP.Security, cfg.SMTP.From = smtpSrv.Addr, config.SecurityInsecure, "Demo Support <"+demoSupport+">"
	cfg.Desk.SupportAddress, cfg.Desk.MessageIDDomain = demoSupport, "demo.example"
	cfg.Responder.IndexPath = filepath.Join(dataDir, "faq.bleve")
	cfg.Desk.Secret = "demo-secret-not-for-production"
	cfg.Escalation.Tiers = []config.Tier{{Name: "L1", Notify: []string{demoTier}, Agents: []string{demoAgent}, EscalateAfter: config.BusinessTimeOf(4 * time.Hour)}}
	var console net.Listener
	if !once {
		// The console on loopback, on its usual port when it is free.
		if console, err = listenLoopback(); err != nil {
			return fmt.Errorf("demo: console: %w", err)
		}
		defer console.Close()
		cfg.Web.Listen, cfg.Web.BaseURL, cfg.Web.Admins = console.Addr().String(), "http://"+console.Addr().String(), []string{demoAdmin}
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := cfg.RequireRun(); err != nil {
		return err
	}
	confPath := filepath.Join(dataDir, "madoguchi.toml")
	if b, err := cfg.TOML(); err == nil {
		if err := os.WriteFile(confPath, append([]byte("# Written by madoguchi demo: the demo's servers are gone when it stops;\n# the store remains for tickets/inbound/outbox/faq commands.\n"), b...), 0o600); err != nil {
			return err
		}
	}
	logLevel := slog.LevelWarn
	a, err := openGateway(ctx, cfg, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: logLevel})), nil)
	if err != nil {
		return err
	}
	defer a.close()
	a.webListener = console

	fmt.Fprintf(out, "madoguchi demo\n  IMAP %s (login demo/demo), SMTP %s\n  database %s (kept)\n  look around afterwards: madoguchi --config %s tickets list\n", imapSrv.Addr, smtpSrv.Addr, cfg.Store.Path, confPath)
	d := &demo{a: a, imap: imapSrv, smtp: smtpSrv, out: out}
	if _, err := a.desk.PutFAQs(ctx, append([]tickets.FAQ(nil), demoFAQ...), "demo"); err != nil {
		return err
	}
	fmt.Fprintf(out, "  %d FAQ entries published (madoguchi faq list)\n", len(demoFAQ))
	if err := d.round(ctx, "1. New mail from customers", d.firstRound()); err != nil {
		return err
	}
	second, err := d.secondRound(ctx)
	if err != nil {
		return err
	}
	if err := d.round(ctx, "2. Replies to the answers, an out-of-office, a bounce, a forged tag", second); err != nil {
		return err
	}
	third, err := d.agentRound(ctx)
	if err != nil {
		return err
	}
	if err := d.round(ctx, "3. The agent answers by mail, a forged agent reply, the customer writes back", third); err != nil {
		return err
	}
	fourth, err := d.customerRound(ctx)
	if err != nil {
		return err
	}
	if err := d.round(ctx, "4. The customer answers the agent: forwarded into the tier's thread", fourth); err != nil {
		return err
	}
	if err := d.summary(ctx); err != nil {
		return err
	}
	d.bodies(ctx)
	fmt.Fprintf(out, "\nLook around: madoguchi --config %s tickets show INC-1003\n", confPath)
	if err := d.done(ctx, cfg.Store.Path); err != nil || once {
		return err
	}
	return d.serve(ctx, confPath, cfg.Web.BaseURL)
}

// done writes the demo's last line: what it did, and where the database is.
func (d *demo) done(ctx context.Context, dbPath string) error {
	var in, sent, opened int
	err := d.a.store.View(ctx, func(tx *tickets.Tx) error {
		inbound, err := tx.InboundList(0)
		if err != nil {
			return err
		}
		list, err := tx.Tickets("", 0)
		if err != nil {
			return err
		}
		in, opened = len(inbound), len(list)
		return nil
	})
	if err != nil {
		return err
	}
	sent = len(d.smtp.Received())
	fmt.Fprintf(d.out, "\nDemo done: %d mails received, %d tickets opened, %d mails sent; the database is %s\n", in, opened, sent, dbPath)
	return nil
}

// serve keeps the demo's servers and gateway running until ctx ends:
// mail sent to the support address through the SMTP server lands in the
// mailbox and is answered, and the console is served at consoleURL, named
// on the last line with a sign-in link for the demo's admin.
func (d *demo) serve(ctx context.Context, confPath, consoleURL string) error {
	out, smtpSrv, imapSrv := d.out, d.smtp, d.imap
	fmt.Fprintf(out, "\nStill running. Send mail to %s through SMTP %s (no login) with any client,\n"+
		"e.g. `swaks --server %s --to %s --from you@example.org --header 'Subject: VPN from home?'`;\n"+
		"it lands in the IMAP mailbox (%s, login demo/demo) and madoguchi answers it.\n"+
		"Mail to anyone else is what madoguchi sent; it is printed here. Ctrl-C stops.\n",
		demoSupport, smtpSrv.Addr, smtpSrv.Addr, demoSupport, imapSrv.Addr)
	link, err := d.a.desk.SignInLink(ctx, demoAdmin)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nThe console (queue, tickets, FAQ, reports): open this link and press Sign in to sign in as the admin %s,\n"+
		"once, within 15 minutes (later: madoguchi --config %s web link %s):\n  %s\n"+
		"Console at %s/ on loopback until Ctrl-C stops the demo.\n", demoAdmin, confPath, demoAdmin, link, consoleURL)
	// The demo's SMTP server plays the whole mail system: mail for the
	// support address goes into its mailbox, the rest is shown.
	smtpSrv.OnReceive(func(r mailserver.Received) {
		for _, to := range r.To {
			if strings.EqualFold(to, demoSupport) {
				if _, err := imapSrv.Append("INBOX", r.Data); err != nil {
					fmt.Fprintf(out, "  ! could not deliver to the mailbox: %v\n", err)
				}
				fmt.Fprintf(out, "  → new mail for %s: %s\n", demoSupport, headerOf(r.Data, "Subject"))
				return
			}
		}
		fmt.Fprintf(out, "  ← sent to %s: %s\n", strings.Join(r.To, ", "), headerOf(r.Data, "Subject"))
	})
	return d.a.run(ctx)
}

type demo struct {
	a       *app
	imap    *mailserver.IMAPServer
	smtp    *mailserver.SMTPServer
	out     io.Writer
	lastIn  int64
	lastOut int64 // the last outgoing row shown
}

type demoMail struct {
	label string
	raw   []byte
}

func (d *demo) round(ctx context.Context, title string, mails []demoMail) error {
	fmt.Fprintf(d.out, "\n%s\n", title)
	for _, m := range mails {
		if _, err := d.imap.Append("INBOX", m.raw); err != nil {
			return err
		}
	}
	if err := d.a.runOnce(ctx); err != nil {
		return err
	}
	return d.a.store.View(ctx, func(tx *tickets.Tx) error {
		list, err := tx.InboundList(0)
		if err != nil {
			return err
		}
		outgoing, err := tx.OutgoingList(0)
		if err != nil {
			return err
		}
		defer func() {
			for _, o := range outgoing {
				d.lastOut = max(d.lastOut, o.ID)
			}
		}()
		shown := map[int64]bool{}
		i := 0
		for _, in := range list {
			if in.ID <= d.lastIn {
				continue
			}
			d.lastIn = in.ID
			label := in.Subject
			if i < len(mails) {
				label = mails[i].label
			}
			i++
			fmt.Fprintf(d.out, "  • %s\n    from %s: %q\n    → %s", label, in.From, in.Subject, in.Disposition)
			if in.Ticket != "" {
				t, err := tx.Ticket(in.Ticket)
				if err != nil {
					return err
				}
				fmt.Fprintf(d.out, ", ticket %s (%s, %s, %s)", t.Ref, t.Status, t.Type, t.Priority)
				if in.Disposition == tickets.DispNewTicket {
					sugg, err := tx.Suggestions(t.ID)
					if err != nil {
						return err
					}
					for i, sg := range sugg {
						if i == 3 {
							break
						}
						fmt.Fprintf(d.out, "\n    FAQ candidate %s (confidence %.2f)", sg.Key, sg.Confidence)
					}
				}
			}
			if in.Reason != "" {
				fmt.Fprintf(d.out, "\n    reason: %s", in.Reason)
			}
			fmt.Fprintln(d.out)
			for _, o := range outgoing {
				if shown[o.ID] {
					continue
				}
				// The mail this one caused: new on its ticket since the last
				// round (shown under the first mail of the round that has it),
				// or in reply to it.
				if o.ID > d.lastOut && o.TicketRef == in.Ticket && in.Ticket != "" || o.InReplyTo != "" && o.InReplyTo == in.MessageID {
					shown[o.ID] = true
					fmt.Fprintf(d.out, "    ← %s mail %s to %s: %q\n", o.Kind, o.Status, o.To, o.Subject)
				}
			}
		}
		return nil
	})
}

func (d *demo) summary(ctx context.Context) error {
	return d.a.store.View(ctx, func(tx *tickets.Tx) error {
		list, err := tx.Tickets("", 0)
		if err != nil {
			return err
		}
		fmt.Fprintf(d.out, "\nTickets\n")
		for i := len(list) - 1; i >= 0; i-- {
			t := list[i]
			fmt.Fprintf(d.out, "  %-9s %-10s %-15s %s  %s <%s>\n", t.Ref, t.Status, t.Type, t.Priority, t.Subject, t.Requester)
		}
		fmt.Fprintf(d.out, "SMTP server received %d mails, each with Auto-Submitted set.\n", len(d.smtp.Received()))
		return nil
	})
}

// demoFAQ is the FAQ the demo answers from, as an admin would import it.
var demoFAQ = []tickets.FAQ{
	{Key: "vpn-home", Question: "How do I connect to the office VPN from home?", Answer: "Install \"Demo VPN\" from the software portal, start it, and sign in with your company account and the code from your authenticator app.", Language: "en", Status: tickets.FAQPublished, Tags: []string{"vpn", "remote"}},
	{Key: "password-reset-ja", Question: "メールのパスワードを忘れました。再設定の方法を教えてください。", Answer: "パスワード再設定ページ（https://id.demo.example/reset）で社員番号を入力すると、登録済みの携帯電話に確認コードが届きます。コードを入力して新しいパスワードを設定してください。", Language: "ja", Status: tickets.FAQPublished, Tags: []string{"password"}},
	{Key: "printer-toner", Question: "How do I replace the toner cartridge in the office printer?", Answer: "Open the front cover, pull out the old cartridge, shake the new one and push it in until it clicks. Spare toner is in the supply room.", Language: "en", Status: tickets.FAQPublished},
	{Key: "printer-queue", Question: "My print job is stuck in the printer queue. How do I clear it?", Answer: "Open Settings > Printers, select the printer, open the queue and cancel the stuck job; then restart the Print Spooler service.", Language: "en", Status: tickets.FAQPublished},
}

func (d *demo) firstRound() []demoMail {
	return []demoMail{
		{"English question the FAQ answers", buildMail("Alice Example <alice@customer.example>", "VPN from home?",
			"Hello,\n\nI started working from home today. How do I connect to the office VPN from home?\n\nThanks,\nAlice\n", "utf-8",
			"Message-ID: <q1@customer.example>")},
		{"Japanese question the FAQ answers (ISO-2022-JP)", buildMail("山田 太郎 <yamada@customer.example>", "パスワードの再設定について",
			"お世話になっております。山田です。\n\nメールのパスワードを忘れました。再設定の方法を教えてください。\n\nよろしくお願いいたします。\n", "iso-2022-jp",
			"Message-ID: <q2@customer.example>")},
		{"Question the FAQ only half answers (suggestion to agents)", buildMail("Carol <carol@customer.example>", "Printer problem",
			"The printer on floor 2 shows a paper jam light although there is no paper stuck. What should I do?\n", "utf-8",
			"Message-ID: <q6@customer.example>")},
		{"Urgent incident (Japanese, Shift_JIS)", buildMail("佐藤 花子 <sato@customer.example>", "【至急】ファイルサーバーに接続できません",
			"全員がファイルサーバーに接続できません。業務が止まっています。至急対応をお願いします。\n", "shift_jis",
			"Message-ID: <q3@customer.example>")},
		{"Urgent incident (English)", buildMail("Bob Ops <bob@customer.example>", "URGENT: production mail server down",
			"The production mail server is down for everyone since 09:10. Please help ASAP.\n", "utf-8",
			"Message-ID: <q4@customer.example>")},
	}
}

// secondRound builds mail that answers what the first round sent: the
// customers' replies to the automatic answers, an out-of-office, a bounce,
// and a stranger quoting someone else's ticket.
func (d *demo) secondRound(ctx context.Context) ([]demoMail, error) {
	sent := map[string]*tickets.Outgoing{}
	err := d.a.store.View(ctx, func(tx *tickets.Tx) error {
		list, err := tx.OutgoingList(0)
		for _, o := range list {
			sent[o.To] = o
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	var mails []demoMail
	reply := func(label, from, to, body string, extra ...string) {
		o := sent[to]
		if o == nil {
			return
		}
		hdr := append([]string{"Message-ID: <re-" + strings.SplitN(to, "@", 2)[0] + "@customer.example>", "In-Reply-To: <" + o.MessageID + ">"}, extra...)
		mails = append(mails, demoMail{label, buildMail(from, "Re: "+o.Subject, body, "utf-8", hdr...)})
	}
	reply("Customer confirms the automatic answer", "山田 太郎 <yamada@customer.example>", "yamada@customer.example",
		"解決しました。ありがとうございました。\n\n> パスワード再設定ページで…\n")
	reply("Customer says the answer did not help", "Alice Example <alice@customer.example>", "alice@customer.example",
		"Thanks, but it still does not work: the client says my certificate is missing.\n\nOn Wed, support wrote:\n> Install Demo VPN\n")
	if o := sent["sato@customer.example"]; o != nil {
		mails = append(mails, demoMail{"Out-of-office reply", buildMail("佐藤 花子 <sato@customer.example>", "不在: "+o.Subject,
			"11月30日まで不在にしております。\n", "utf-8",
			"Message-ID: <oof1@customer.example>", "Auto-Submitted: auto-replied", "In-Reply-To: <"+o.MessageID+">")})
	}
	if o := sent["bob@customer.example"]; o != nil {
		mails = append(mails, demoMail{"Bounce of an acknowledgement", bounceMail(o.MessageID, o.To)})
	}
	mails = append(mails, demoMail{"Stranger forging a ticket tag", buildMail("mallory@elsewhere.example", "Re: [INC-1004] please add me",
		"Please give me access to this ticket.\n", "utf-8", "Message-ID: <forged@elsewhere.example>")})
	return mails, nil
}

// buildMail writes a small RFC 5322 message in the given charset.
func buildMail(from, subject, body, charset string, extra ...string) []byte {
	var enc func(string) string = func(s string) string { return s }
	switch charset {
	case "iso-2022-jp":
		enc = func(s string) string { b, _ := japanese.ISO2022JP.NewEncoder().String(s); return b }
	case "shift_jis":
		enc = func(s string) string { b, _ := japanese.ShiftJIS.NewEncoder().String(s); return b }
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: Support <%s>\r\n", encodeFrom(from), demoSupport)
	fmt.Fprintf(&b, "Subject: %s\r\n", encodeWord(charset, enc(subject)))
	fmt.Fprintf(&b, "Date: %s\r\n", time.Now().Format(time.RFC1123Z))
	for _, h := range extra {
		fmt.Fprintf(&b, "%s\r\n", h)
	}
	cte := "8bit"
	if charset == "iso-2022-jp" {
		cte = "7bit"
	}
	fmt.Fprintf(&b, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=%s\r\nContent-Transfer-Encoding: %s\r\n\r\n", charset, cte)
	b.WriteString(strings.ReplaceAll(enc(body), "\n", "\r\n"))
	return b.Bytes()
}

func encodeWord(charset, s string) string {
	return mime.BEncoding.Encode(charset, s)
}

func encodeFrom(from string) string {
	i := strings.LastIndexByte(from, '<')
	if i <= 0 {
		return from
	}
	return mime.BEncoding.Encode("utf-8", strings.TrimSpace(from[:i])) + " " + from[i:]
}

func bounceMail(origID, rcpt string) []byte {
	boundary := "dsn-boundary-1"
	return []byte("From: Mail Delivery System <MAILER-DAEMON@mx.customer.example>\r\n" +
		"To: " + demoSupport + "\r\n" +
		"Subject: Undelivered Mail Returned to Sender\r\n" +
		"Message-ID: <bounce1@mx.customer.example>\r\n" +
		"Auto-Submitted: auto-replied\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"" + boundary + "\"\r\n\r\n" +
		"--" + boundary + "\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n" +
		"--" + boundary + "\r\nContent-Type: message/delivery-status\r\n\r\n" +
		"Reporting-MTA: dns; mx.customer.example\r\n\r\n" +
		"Final-Recipient: rfc822; " + rcpt + "\r\nAction: failed\r\nStatus: 5.1.1\r\n" +
		"Diagnostic-Code: smtp; 550 5.1.1 <" + rcpt + ">: Recipient address rejected: User unknown\r\n" +
		"--" + boundary + "\r\nContent-Type: text/rfc822-headers\r\n\r\n" +
		"Message-ID: <" + origID + ">\r\nFrom: " + demoSupport + "\r\nTo: " + rcpt + "\r\n" +
		"--" + boundary + "--\r\n")
}

func headerOf(raw []byte, name string) string {
	for _, line := range strings.Split(string(raw), "\r\n") {
		if line == "" {
			break
		}
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, name) {
			if dec, err := new(mime.WordDecoder).DecodeHeader(strings.TrimSpace(v)); err == nil {
				return dec
			}
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// agentRound is the agent's side: a reply to the notice of the printer
// ticket (relayed to the customer), #take on the urgent Japanese one, and
// a forged reply from someone without the token.
func (d *demo) agentRound(ctx context.Context) ([]demoMail, error) {
	var notices []*tickets.Outgoing
	err := d.a.store.View(ctx, func(tx *tickets.Tx) error {
		list, err := tx.OutgoingList(0)
		for _, o := range list {
			if o.Kind == "notice" {
				notices = append(notices, o)
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	var mails []demoMail
	for _, n := range notices {
		hdr := []string{"Message-ID: <agent-" + strings.ToLower(n.TicketRef) + "@demo.example>", "In-Reply-To: <" + n.MessageID + ">", "References: <" + n.MessageID + ">"}
		to := "To: " + n.ReplyTo
		switch {
		case strings.Contains(n.Subject, "Printer problem"):
			mails = append(mails, demoMail{"Agent answers the printer ticket by mail", buildMail("Demo Agent <"+demoAgent+">", "Re: "+n.Subject,
				"#take\nThe jam sensor on that model gets dusty. Open the rear cover, wipe the small black lever behind the rollers with a dry cloth, and close it again; the light goes off.\n\n-- \nDemo Agent, IT service desk\n\nOn Tue, support wrote:\n> The printer on floor 2 shows a paper jam light\n", "utf-8",
				append(hdr, to)...)})
			mails = append(mails, demoMail{"Someone replies with the notice's thread but without the signed address", buildMail("mallory@elsewhere.example", "Re: "+n.Subject,
				"#resolve\nDone.\n", "utf-8", "Message-ID: <forged-agent@elsewhere.example>", "In-Reply-To: <"+n.MessageID+">")})
		case strings.Contains(n.Subject, "ファイルサーバー"):
			mails = append(mails, demoMail{"Agent takes the urgent ticket and answers in Japanese", buildMail("Demo Agent <"+demoAgent+">", "Re: "+n.Subject,
				"#take\n#priority P1\n現在ファイルサーバーの再起動を行っております。10分ほどで復旧の見込みです。復旧しましたら改めてご連絡いたします。\n", "utf-8",
				append(hdr, to)...)})
		}
	}
	return mails, nil
}

// customerRound is Carol answering the agent's relayed answer.
func (d *demo) customerRound(ctx context.Context) ([]demoMail, error) {
	var relay *tickets.Outgoing
	err := d.a.store.View(ctx, func(tx *tickets.Tx) error {
		list, err := tx.OutgoingList(0)
		for _, o := range list {
			if o.Kind == "relay" && o.To == "carol@customer.example" {
				relay = o
			}
		}
		return err
	})
	if err != nil || relay == nil {
		return nil, err
	}
	return []demoMail{{"Customer answers the agent", buildMail("Carol <carol@customer.example>", "Re: "+relay.Subject,
		"That worked, the light is off. Thank you!\n\n> The jam sensor on that model gets dusty.\n", "utf-8",
		"Message-ID: <carol-2@customer.example>", "In-Reply-To: <"+relay.MessageID+">")}}, nil
}

// bodies prints the first mail of each kind and language that went out,
// as its recipient reads it.
func (d *demo) bodies(ctx context.Context) {
	var list []*tickets.Outgoing
	_ = d.a.store.View(ctx, func(tx *tickets.Tx) error {
		var err error
		list, err = tx.OutgoingList(0)
		return err
	})
	seen := map[string]bool{}
	fmt.Fprintf(d.out, "\nWhat customers and agents read (the first mail of each kind and language)\n")
	for _, o := range list {
		k := o.Kind + "/" + lang.DetectOr(o.Text, "en")
		if seen[k] || o.Kind == "copy" && seen["copy/en"] {
			continue
		}
		seen[k] = true
		fmt.Fprintf(d.out, "\n┌── %s mail to %s\n│ Subject: %s\n", o.Kind, o.To, printable(o.Subject))
		if o.ReplyTo != "" {
			fmt.Fprintf(d.out, "│ Reply-To: %s\n", o.ReplyTo)
		}
		fmt.Fprintf(d.out, "│\n")
		for _, line := range strings.Split(strings.TrimRight(printable(o.Text), "\n"), "\n") {
			fmt.Fprintf(d.out, "│ %s\n", line)
		}
		fmt.Fprintf(d.out, "└──\n")
	}
}
