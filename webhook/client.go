package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// ClientOptions configure a Client; zero values mean the defaults.
type ClientOptions struct {
	Timeout   time.Duration // one request, from dialling to the end of the answer; default 10s
	TLSConfig *tls.Config   // nil = the system's roots, verification on
	UserAgent string        // default "madoguchi"
}

// Client posts deliveries to one receiver's TLS settings. Redirects are
// not followed: a signed body goes only where it was configured to go.
type Client struct {
	http      *http.Client
	userAgent string
}

// NewClient builds a client; it does not connect.
func NewClient(opts ClientOptions) *Client {
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "madoguchi"
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if opts.TLSConfig != nil {
		tr.TLSClientConfig = opts.TLSConfig.Clone()
	}
	if tr.TLSClientConfig == nil {
		tr.TLSClientConfig = &tls.Config{}
	}
	tr.TLSClientConfig.MinVersion = max(tr.TLSClientConfig.MinVersion, tls.VersionTLS12)
	return &Client{
		http: &http.Client{
			Transport:     tr,
			Timeout:       opts.Timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		userAgent: opts.UserAgent,
	}
}

// Close drops the client's idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Delivery is one POST of an event.
type Delivery struct {
	URL       string // may hold a credential (a Slack or Teams URL): never printed whole
	Secret    []byte // signs the body; nil = no signature header
	EventID   string
	EventType string
	Body      []byte
	Now       time.Time // the signature's timestamp: the time of this attempt
}

// Post sends d once. nil means the receiver answered 2xx. Any other
// outcome is an *Error saying whether it is worth retrying, whether the
// receiver was reached, and whether it may have acted on the event all the
// same; a cancelled ctx is returned as ctx's error. No error names the
// URL beyond its scheme and host.
func (c *Client) Post(ctx context.Context, d Delivery) error {
	where := Redact(d.URL)
	req, err := http.NewRequest(http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		return &Error{msg: "bad URL " + where, err: unwrapURL(err)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set(HeaderEvent, d.EventType)
	req.Header.Set(HeaderEventID, d.EventID)
	if len(d.Secret) > 0 {
		req.Header.Set(HeaderSignature, Sign(d.Secret, d.Now, d.Body))
	}
	// Whether the request went out whole decides what a lost answer means:
	// before it, the receiver never had the event (an outage); after it,
	// the receiver may have acted on it.
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) {
		if i.Err == nil {
			wrote.Store(true)
		}
	}}
	resp, err := c.http.Do(req.WithContext(httptrace.WithClientTrace(ctx, trace)))
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		cause := unwrapURL(err)
		if wrote.Load() {
			return &Error{Temporary: true, Reached: true, Unknown: true, msg: "no answer from " + where + " after the request was sent", err: cause}
		}
		return &Error{Temporary: true, msg: "cannot reach " + where, err: cause}
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	e := &Error{Status: resp.StatusCode, Reached: true, msg: fmt.Sprintf("%s answered %s", where, resp.Status)}
	if s := oneLine(string(snippet), 200); s != "" && !isBinary(snippet) {
		e.msg += ": " + s
	}
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		e.msg += " (redirects are not followed: configure the URL it points to)"
	case resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode == http.StatusTooEarly,
		resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode >= 500:
		e.Temporary = true
		e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), d.Now)
	}
	return e
}

// Error is a delivery that did not get a 2xx answer.
type Error struct {
	Status    int  // the HTTP status; 0 when no answer came
	Temporary bool // worth trying again
	// Reached: the receiver got the whole request (it answered, or went
	// silent after it), so the attempt counts against max_attempts; a
	// refused connection, DNS, TLS or a timeout before the request went
	// out is the receiver's outage and does not.
	Reached bool
	// Unknown: the request went out whole and no answer came back; the
	// receiver may have acted on the event.
	Unknown bool
	// RetryAfter is what a 429 or 503 asked for with Retry-After (0: nothing).
	RetryAfter time.Duration

	msg string
	err error
}

func (e *Error) Error() string {
	if e.err == nil {
		return "webhook: " + e.msg
	}
	return "webhook: " + e.msg + ": " + e.err.Error()
}

func (e *Error) Unwrap() error { return e.err }

// IsTemporary reports whether err, from Post, is worth retrying.
func IsTemporary(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Temporary
}

// Redact is raw with only its scheme and host: what logs and errors may
// show of a URL whose path or query is a credential.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(unparsable URL)"
	}
	s := u.Scheme + "://" + u.Host
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		s += "/…"
	}
	return s
}

// unwrapURL drops net/url's wrapping, whose text holds the whole URL.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func isBinary(b []byte) bool { return bytes.IndexByte(b, 0) >= 0 }
