package templates

import (
	"testing"
	"time"
	_ "time/tzdata" // Asia/Tokyo without the system's zone files
)

func TestQuote(t *testing.T) {
	cases := map[string]string{
		"":                              "",
		"one":                           "> one",
		"\n\n one\r\ntwo  \n\n":         ">  one\n> two",
		"a\rb":                          "> a\n> b",
		"a\n\nb":                        "> a\n>\n> b",
		"-- \nsig":                      "> --\n> sig",
		"x\u202eevil\u202c\x00\x1b[31m": "> xevil[31m",
		"tab\there":                     "> tab\there",
		"a\u2028b":                      "> ab",
		"日本語の\n本文":                      "> 日本語の\n> 本文",
	}
	for in, want := range cases {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFormatTime(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 14, 5, 59, 0, tokyo)
	for _, c := range []struct {
		t    time.Time
		lang string
		want string
	}{
		{at, "en", "Tue, 1 Dec 2026 14:05 JST"},
		{at, "ja", "2026年12月1日（火）14:05 JST"},
		{at.UTC(), "ja", "2026年12月1日（火）05:05 UTC"},
		{time.Date(2027, 1, 3, 9, 0, 0, 0, tokyo), "ja", "2027年1月3日（日）09:00 JST"},
		{time.Time{}, "en", ""},
		{at, "de", "Tue, 1 Dec 2026 14:05 JST"},
	} {
		if got := FormatTime(c.t, c.lang); got != c.want {
			t.Errorf("FormatTime(%v, %s) = %q, want %q", c.t, c.lang, got, c.want)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for _, c := range []struct {
		d      time.Duration
		en, ja string
	}{
		{0, "0m", "0分"},
		{-5 * time.Minute, "0m", "0分"},
		{29 * time.Second, "0m", "0分"},
		{7*time.Minute + 31*time.Second, "8m", "8分"},
		{45 * time.Minute, "45m", "45分"},
		{2 * time.Hour, "2h", "2時間"},
		{2*time.Hour + 5*time.Minute, "2h 5m", "2時間5分"},
		{26*time.Hour + 5*time.Minute, "1d 2h 5m", "1日2時間5分"},
		{72 * time.Hour, "3d", "3日"},
	} {
		if got := FormatDuration(c.d, "en"); got != c.en {
			t.Errorf("FormatDuration(%v, en) = %q, want %q", c.d, got, c.en)
		}
		if got := FormatDuration(c.d, "ja"); got != c.ja {
			t.Errorf("FormatDuration(%v, ja) = %q, want %q", c.d, got, c.ja)
		}
	}
}

func TestFormatSize(t *testing.T) {
	for n, want := range map[int64]string{
		-1:                   "0 B",
		0:                    "0 B",
		512:                  "512 B",
		1024:                 "1 KB",
		123456:               "121 KB",
		5 << 20:              "5 MB",
		48*(1<<20) + 300<<10: "48.3 MB",
		3 << 30:              "3 GB",
	} {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
}
