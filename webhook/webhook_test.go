package webhook

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

func TestSign_VerifiesAndRefusesTamperedForeignAndStale(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	body := []byte(`{"id":"evt_1"}`)
	h := Sign(secret, now, body)
	if !strings.HasPrefix(h, "t=1796115600,v1=") || len(h) != len("t=1796115600,v1=")+64 {
		t.Fatalf("header %q: want t=UNIX,v1=64 hex digits", h)
	}
	if err := Verify(secret, h, body, now.Add(time.Minute), DefaultTolerance); err != nil {
		t.Fatalf("own signature: %v", err)
	}
	// Rotation: a header may list several v1 values; one is enough.
	if err := Verify(secret, h+",v1=00ff", body, now, DefaultTolerance); err != nil {
		t.Fatalf("with a second v1: %v", err)
	}
	for name, c := range map[string]struct {
		secret []byte
		header string
		body   string
		now    time.Time
		want   error
	}{
		"tampered body":   {secret, h, `{"id":"evt_2"}`, now, ErrBadSignature},
		"other secret":    {[]byte("another secret of 32 bytes......"), h, string(body), now, ErrBadSignature},
		"replayed later":  {secret, h, string(body), now.Add(6 * time.Minute), ErrStale},
		"from the future": {secret, h, string(body), now.Add(-6 * time.Minute), ErrStale},
		"no header":       {secret, "", string(body), now, ErrNoSignature},
		"no timestamp":    {secret, h[strings.Index(h, ",")+1:], string(body), now, ErrNoSignature},
		// The timestamp is signed: moving it forward breaks the signature.
		"timestamp moved": {secret, strings.Replace(h, "t=1796115600", "t=1796115900", 1), string(body), now.Add(5 * time.Minute), ErrBadSignature},
	} {
		if err := Verify(c.secret, c.header, []byte(c.body), c.now, DefaultTolerance); !errors.Is(err, c.want) {
			t.Errorf("%s: Verify = %v, want %v", name, err, c.want)
		}
	}
}

// receiver is a real HTTP receiver that checks each request's signature.
type receiver struct {
	mu       sync.Mutex
	bodies   [][]byte
	headers  []http.Header
	verified []error
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.bodies = append(r.bodies, body)
	r.headers = append(r.headers, req.Header.Clone())
	r.verified = append(r.verified, Verify(secret, req.Header.Get(HeaderSignature), body, time.Now(), DefaultTolerance))
	w.WriteHeader(http.StatusNoContent)
}

func TestPost_ReceiverVerifiesTheSignatureAndGetsTheEventHeaders(t *testing.T) {
	rec := &receiver{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	c := NewClient(ClientOptions{UserAgent: "madoguchi/test"})
	body := []byte(`{"id":"evt_abc","type":"ticket.created"}`)
	err := c.Post(context.Background(), Delivery{URL: srv.URL + "/hook", Secret: secret, EventID: "evt_abc", EventType: TicketCreated, Body: body, Now: time.Now()})
	if err != nil {
		t.Fatalf("Post: %v", err)
	}
	if len(rec.bodies) != 1 || string(rec.bodies[0]) != string(body) {
		t.Fatalf("receiver got %q, want the body once", rec.bodies)
	}
	if rec.verified[0] != nil {
		t.Errorf("the receiver could not verify the signature: %v", rec.verified[0])
	}
	h := rec.headers[0]
	for k, want := range map[string]string{HeaderEvent: TicketCreated, HeaderEventID: "evt_abc", "Content-Type": "application/json", "User-Agent": "madoguchi/test"} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
}

func TestPost_WithoutASecretSendsNoSignature(t *testing.T) {
	rec := &receiver{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	if err := NewClient(ClientOptions{}).Post(context.Background(), Delivery{URL: srv.URL, Body: []byte(`{}`), Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if h := rec.headers[0].Get(HeaderSignature); h != "" {
		t.Errorf("signature %q sent without a secret", h)
	}
}

func TestPost_ClassifiesEachOutcome(t *testing.T) {
	answer := func(code int, hdr ...string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			for i := 0; i+1 < len(hdr); i += 2 {
				w.Header().Set(hdr[i], hdr[i+1])
			}
			w.WriteHeader(code)
			io.WriteString(w, "the receiver's words\n")
		})
	}
	silent := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		<-r.Context().Done() // reads the whole request, never answers
	})
	type want struct {
		status                      int
		temporary, reached, unknown bool
		retryAfter                  time.Duration
	}
	for name, c := range map[string]struct {
		h    http.Handler
		want want
	}{
		"500 is retried, counted":         {answer(500), want{500, true, true, false, 0}},
		"503 with Retry-After":            {answer(503, "Retry-After", "120"), want{503, true, true, false, 2 * time.Minute}},
		"429 is retried":                  {answer(429), want{429, true, true, false, 0}},
		"408 is retried":                  {answer(408), want{408, true, true, false, 0}},
		"404 is given up":                 {answer(404), want{404, false, true, false, 0}},
		"401 is given up":                 {answer(401), want{401, false, true, false, 0}},
		"a redirect is not followed":      {answer(308, "Location", "https://elsewhere.example/"), want{308, false, true, false, 0}},
		"no answer after the whole event": {silent, want{0, true, true, true, 0}},
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(c.h)
			defer srv.Close()
			err := NewClient(ClientOptions{Timeout: 300 * time.Millisecond}).Post(context.Background(),
				Delivery{URL: srv.URL, Secret: secret, Body: []byte(`{}`), Now: time.Now()})
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Post = %v, want an *Error", err)
			}
			got := want{e.Status, e.Temporary, e.Reached, e.Unknown, e.RetryAfter}
			if got != c.want {
				t.Errorf("Post = %+v (%v), want %+v", got, err, c.want)
			}
			if IsTemporary(err) != c.want.temporary {
				t.Errorf("IsTemporary = %v", IsTemporary(err))
			}
		})
	}
}

func TestPost_AnUnreachableReceiverIsAnOutageNotAnAttempt(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	err = NewClient(ClientOptions{}).Post(context.Background(), Delivery{URL: "http://" + addr + "/x", Body: []byte(`{}`), Now: time.Now()})
	var e *Error
	if !errors.As(err, &e) || !e.Temporary || e.Reached || e.Unknown {
		t.Fatalf("Post to a closed port = %#v (%v), want temporary, not reached", e, err)
	}
}

func TestPost_TLSIsVerifiedUnlessTheCAIsGiven(t *testing.T) {
	rec := &receiver{}
	srv := httptest.NewTLSServer(rec)
	defer srv.Close()
	d := Delivery{URL: srv.URL, Secret: secret, Body: []byte(`{}`), Now: time.Now()}
	err := NewClient(ClientOptions{}).Post(context.Background(), d)
	var e *Error
	if !errors.As(err, &e) || e.Reached || !e.Temporary {
		t.Fatalf("Post to a certificate nobody trusts = %v, want a temporary failure that never reached the receiver", err)
	}
	if len(rec.bodies) != 0 {
		t.Fatalf("the receiver got %d requests over an unverified connection", len(rec.bodies))
	}
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	if err := NewClient(ClientOptions{TLSConfig: &tls.Config{RootCAs: pool}}).Post(context.Background(), d); err != nil {
		t.Fatalf("Post with the receiver's CA: %v", err)
	}
}

func TestPost_ErrorsShowNoMoreOfTheURLThanItsHost(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(404) }))
	defer srv.Close()
	const token = "T0123/B0456/XXXXsecretXXXX"
	for _, u := range []string{srv.URL + "/services/" + token, "http://127.0.0.1:1/services/" + token + "?key=" + token} {
		err := NewClient(ClientOptions{}).Post(context.Background(), Delivery{URL: u, Body: []byte(`{}`), Now: time.Now()})
		if err == nil {
			t.Fatalf("Post %s: no error", u)
		}
		if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "services") {
			t.Errorf("error shows the URL's credential: %v", err)
		}
	}
	if got := Redact("https://hooks.slack.com/services/" + token); got != "https://hooks.slack.com/…" {
		t.Errorf("Redact = %q", got)
	}
}

func TestPost_ACancelledContextIsNotADeliveryOutcome(t *testing.T) {
	srv := httptest.NewServer(&receiver{})
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := NewClient(ClientOptions{}).Post(ctx, Delivery{URL: srv.URL, Body: []byte(`{}`), Now: time.Now()})
	var e *Error
	if !errors.Is(err, context.Canceled) || errors.As(err, &e) {
		t.Fatalf("Post with a cancelled context = %v, want context.Canceled", err)
	}
}
