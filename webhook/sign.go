package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Sign is the value of the X-Madoguchi-Signature header for body sent at
// t: "t=UNIX_SECONDS,v1=HEX", where HEX is the HMAC-SHA256 with secret of
// the string "UNIX_SECONDS.BODY" (the scheme Stripe uses). The timestamp
// is signed with the body, so a receiver that refuses old timestamps
// refuses a replayed request.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Errors of Verify, for a receiver to branch on.
var (
	ErrNoSignature  = errors.New("webhook: no valid signature header")
	ErrBadSignature = errors.New("webhook: signature does not match the body")
	ErrStale        = errors.New("webhook: signature timestamp outside the tolerance")
)

// DefaultTolerance is how far a receiver should let a signature's
// timestamp be from its own clock: Stripe's five minutes.
const DefaultTolerance = 5 * time.Minute

// Verify checks a signature header against body, as a receiver does: one
// of its v1 values (a sender may list several while its secret is
// rotated) must be the HMAC of "t.BODY" with secret, and t must lie
// within tolerance of now. It is what the tests' receivers run, and what a
// receiver written in Go can call.
func Verify(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrNoSignature
	}
	want := mac(secret, ts, body)
	ok := false
	for _, s := range sigs {
		ok = ok || hmac.Equal(s, want)
	}
	if !ok {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: signed %s, now %s", ErrStale, time.Unix(sec, 0).UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	return nil
}
