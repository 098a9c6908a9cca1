//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/madoguchi/madoguchi/internal/mailserver"
)

// Issue 19 in a browser: the customer follows the status link of the mail
// they received, adds a message, and rates the resolution bad with a
// comment (the tier hears of it); a viewer signs in, reads the ticket,
// and cannot act.

const userCustomers = "customers"

func init() { dovecotUsers = append(dovecotUsers, userCustomers) }

const consoleViewer = "audit@example.org"

// mailTo waits for a mail to addr whose text matches re, and returns the
// match.
func mailTo(t *testing.T, s *mailserver.SMTPServer, addr string, re *regexp.Regexp) []string {
	t.Helper()
	var got []string
	waitMail(t, s, func(m mailserver.Received) bool {
		msg, err := m.Message()
		if err != nil || len(m.To) == 0 || m.To[0] != addr {
			return false
		}
		got = re.FindStringSubmatch(msg.Text)
		return got != nil
	})
	return got
}

func TestE2E_CustomerAndViewerInChromium(t *testing.T) {
	chromium := chromiumPath(t)
	d, base := newConsoleDeploymentOf(t, userCustomers, fmt.Sprintf("viewers = [%q]\n", consoleViewer))
	stop := d.serve(t, base)
	defer stop()

	raw := "From: =?utf-8?b?5L2Q6Jek?= <sato@customer.example>\r\nTo: support@example.com\r\n" +
		"Subject: =?utf-8?b?44OX44Oq44Oz44K/44O844GM5Y2w5Yi344Gn44GN44G+44Gb44KT?=\r\nMessage-ID: <cust1@customer.example>\r\n" +
		"Date: " + time.Now().Format(time.RFC1123Z) + "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
		"3階のプリンターで印刷できません。エラーが表示されます。\r\n"
	appendAll(t, d.user, &corpus{Mails: []mail{{Raw: []byte(raw), MessageID: "cust1@customer.example"}}})

	// The acknowledgement the customer received carries the link.
	link := mailTo(t, d.smtp, "sato@customer.example", regexp.MustCompile(regexp.QuoteMeta(base)+`/status/[a-z2-7]+`))[0]
	b := newBrowser(t, chromium)
	b.probe(t)
	shot := b.shooter(t)

	b.do(t, "open the status link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#status")))
	ref := b.attrs(t, "#status", "data-ref")
	if got := b.text(t, chromedp.Text(chromedp.CSS("#customer-status"))); got != "担当者へ引き継ぎ済み" {
		t.Errorf("the customer's status reads %q", got)
	}
	if got := b.text(t, chromedp.Text(chromedp.CSS("#promise"))); !strings.Contains(got, "予定") {
		t.Errorf("the promise reads %q", got)
	}
	shot("11-status-page")

	// A message typed in the box reaches the tier, as a reply by mail does.
	reply := "まだ印刷できません。トナーは交換済みです。"
	b.do(t, "reply", chromedp.SetValue(chromedp.CSS("#reply-text"), reply), chromedp.Click(chromedp.CSS("#reply-send")),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	if n := b.count(t, `#thread .item[data-kind="customer"]`); n != 2 {
		t.Errorf("%d of the customer's messages on the page, want 2", n)
	}
	mailTo(t, d.smtp, "l1@example.com", regexp.MustCompile(regexp.QuoteMeta(reply)))
	shot("12-status-replied")

	// The agent resolves it; the resolution mail asks how it went.
	if r := d.madoguchi("tickets", "resolve", ref, "トナーカートリッジを交換しました。", "--actor", consoleAgent); r.err != nil {
		t.Fatalf("tickets resolve: %s", r)
	}
	rateBad := mailTo(t, d.smtp, "sato@customer.example", regexp.MustCompile(regexp.QuoteMeta(link)+`/rate/bad`))[0]
	b.do(t, "open the rating link", chromedp.Navigate(rateBad), chromedp.WaitVisible(chromedp.CSS("#rate-form")))
	if !b.eval(t, `document.querySelector('#rating-bad').checked`) {
		t.Error("the rating page does not have bad chosen")
	}
	shot("13-rating-page")
	comment := "回答まで時間がかかりました。"
	b.do(t, "rate bad", chromedp.SetValue(chromedp.CSS("#rate-comment"), comment), chromedp.Click(chromedp.CSS("#rate-send")),
		chromedp.WaitVisible(chromedp.CSS(`#current-rating[data-rating="bad"]`)))
	shot("14-rated")
	// The tier that resolved it hears of it, with the comment.
	mailTo(t, d.smtp, "l1@example.com", regexp.MustCompile(regexp.QuoteMeta(comment)))

	// A viewer signs in, reads the ticket, and cannot act.
	r := d.madoguchi("web", "link", consoleViewer)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.err != nil || !strings.HasPrefix(lines[len(lines)-1], base+"/signin/") {
		t.Fatalf("web link for the viewer: %s\n%s", r, r.stdout)
	}
	b.do(t, "viewer signs in", chromedp.Navigate(lines[len(lines)-1]), chromedp.WaitVisible(chromedp.CSS("#signin-confirm")),
		chromedp.Click(chromedp.CSS("#signin-confirm")), chromedp.WaitVisible(chromedp.CSS("#queue")))
	b.do(t, "viewer opens the ticket", chromedp.Navigate(base+"/tickets/"+ref), chromedp.WaitVisible(chromedp.CSS("#read-only")))
	if n := b.count(t, `#actions, form[action*="/act/"], a.raw`); n != 0 {
		t.Errorf("%d actions or raw links on the viewer's ticket page", n)
	}
	if !b.eval(t, `document.querySelector('#ticket-rating').dataset.rating === 'bad'`) {
		t.Error("the viewer does not see the bad rating")
	}
	shot("15-viewer-ticket")
	// An action posted from the page anyway is refused.
	b.do(t, "viewer posts an action", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const f = document.createElement('form'); f.method = 'post'; f.action = '/tickets/%s/act/note';
			const t = document.createElement('textarea'); t.name = 'text'; t.value = 'VIEWER-NOTE'; f.appendChild(t); document.body.appendChild(f); f.submit(); return true; })()`, ref))(ctx, tg)
		return err
	}), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if got := b.text(t, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(got, "Not allowed") && !strings.Contains(got, "許可されていません") {
		t.Errorf("the viewer's action: %q", got)
	}
	// Chromium logs the refusal; that line is the point, not a fault.
	b.forgive("status of 403", "/tickets/"+ref+"/act/note")
	shot("16-viewer-refused")

	show := d.madoguchi("tickets", "show", ref, "--json")
	var v struct {
		Entries []struct{ Text string }           `json:"entries"`
		Events  []struct{ Kind, Actor string }    `json:"events"`
		Rating  *struct{ Rating, Comment string } `json:"rating"`
	}
	if show.err != nil || json.Unmarshal([]byte(show.stdout), &v) != nil {
		t.Fatalf("tickets show: %s", show)
	}
	viewed := 0
	for _, e := range v.Events {
		if e.Kind == "ticket_viewed" && e.Actor == consoleViewer {
			viewed++
		}
	}
	for _, e := range v.Entries {
		if strings.Contains(e.Text, "VIEWER-NOTE") {
			t.Error("the viewer's refused action left an entry")
		}
	}
	if viewed != 1 || v.Rating == nil || v.Rating.Rating != "bad" || v.Rating.Comment != comment {
		t.Errorf("views audited %d, rating %+v", viewed, v.Rating)
	}
	b.finish(t)
}

// forgive drops the faults recorded so far that hold every one of parts:
// what the test caused on purpose.
func (b *browser) forgive(parts ...string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	kept := b.faults[:0]
	for _, f := range b.faults {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(f, p)
		}
		if !all {
			kept = append(kept, f)
		}
	}
	b.faults = kept
}
