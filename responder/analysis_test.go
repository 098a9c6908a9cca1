package responder

import "testing"

func TestFoldSpelling_VariantsMeet(t *testing.T) {
	cases := []struct{ in, want string }{
		{"ごみ", "ゴミ"},
		{"ゴミ", "ゴミ"},
		{"コンピューター", "コンピュータ"},
		{"申し込み", "申込"},
		{"申込み", "申込"},
		{"申込", "申込"},
		{"引っ越し", "引越"},
		{"住民票", "住民票"},
		{"vpn", "vpn"},
	}
	for _, c := range cases {
		if got := foldSpelling(c.in); got != c.want {
			t.Errorf("foldSpelling(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
