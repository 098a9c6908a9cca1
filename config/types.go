package config

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

const (
	second = time.Second
	minute = time.Minute
	hour   = time.Hour
)

// MaskedValue stands in for a secret that is set.
const MaskedValue = "******"

// Secret is a string that does not show itself: fmt, slog and JSON print
// "******" (or "" when it is empty). Reveal gives the value to the code that
// logs in with it. Its TOML encoding is the real value, so that [Config.TOML]
// round-trips; [Config.Masked] is the way to show a configuration.
type Secret string

// Reveal returns the secret itself.
func (s Secret) Reveal() string { return string(s) }

// String masks the secret for %v and %s.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return MaskedValue
}

// GoString masks the secret for %#v.
func (s Secret) GoString() string { return fmt.Sprintf("%q", s.String()) }

// LogValue masks the secret in slog records.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON masks the secret: a JSON view (an admin API) is a display.
func (s Secret) MarshalJSON() ([]byte, error) { return fmt.Appendf(nil, "%q", s.String()), nil }

// MarshalText gives the real value, for the TOML encoder.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s), nil }

// Duration is a time.Duration written as a Go duration string in TOML
// ("30s", "72h").
type Duration struct{ time.Duration }

// UnmarshalText parses a duration string such as "30s" or "72h".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("not a duration such as \"30s\" or \"72h\": %w", err)
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration the way a person would: "72h", not
// "72h0m0s".
func (d Duration) MarshalText() ([]byte, error) {
	s := d.Duration.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return []byte(s), nil
}

// human is the duration as MarshalText writes it ("72h"), for messages.
func (d Duration) human() string {
	b, _ := d.MarshalText()
	return string(b)
}

// ErrUnknownKey is the cause of a [KeyError] for a key that is not in the
// schema (usually a typo).
var ErrUnknownKey = errors.New("unknown key")

// KeyError is a problem with one configuration key. Key is the TOML path
// ("imap.security", "rules[2].pattern"); Env names the environment variable
// when the value came from there.
type KeyError struct {
	Key string
	Env string
	Err error
}

func (e *KeyError) Error() string {
	if errors.Is(e.Err, ErrUnknownKey) {
		return fmt.Sprintf("config: unknown key %q", e.Key)
	}
	if e.Env != "" {
		return fmt.Sprintf("config: %s (from $%s): %v", e.Key, e.Env, e.Err)
	}
	return fmt.Sprintf("config: %s: %v", e.Key, e.Err)
}

func (e *KeyError) Unwrap() error { return e.Err }
