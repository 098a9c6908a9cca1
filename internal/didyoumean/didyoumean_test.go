package didyoumean

import "testing"

func TestClosest_NearWordsOnly(t *testing.T) {
	for _, tt := range []struct {
		word  string
		known []string
		want  string
	}{
		{"state", []string{"status", "priority", "assignee"}, "status"},
		{"imap.adress", []string{"imap.address", "smtp.address"}, "imap.address"},
		{"MADOGUCHI_IMAP_ADRESS", []string{"MADOGUCHI_IMAP_ADDRESS"}, "MADOGUCHI_IMAP_ADDRESS"},
		{"alise@example.com", []string{"alice@example.com", "bob@example.com"}, "alice@example.com"},
		{"colour", []string{"status", "priority"}, ""},
		{"x", nil, ""},
	} {
		if got := Closest(tt.word, tt.known); got != tt.want {
			t.Errorf("Closest(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}
