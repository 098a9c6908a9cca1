package mime

import "testing"

func TestHTMLToText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"unclosed head still shows the body", "<html><head><title>T</title><body><p>Hi</p>", "Hi"},
		{"table cells and rows", "<table><tr><td>Name</td><td>Printer</td></tr><tr><td>Room</td><td>3</td></tr></table>", "Name Printer\nRoom 3"},
		{"link equal to its text is kept once", `<a href="https://example.com">https://example.com</a>`, "https://example.com"},
		{"link without text shows its target", `<a href="https://example.com/x"></a>`, "https://example.com/x"},
		{"anchors and javascript links add nothing", `<a href="#top">Top</a> <a href="javascript:void(0)">Go</a>`, "Top Go"},
		{"pre keeps its spacing", "<pre>a  b\n  c</pre>", "a  b\n  c"},
		{"image alt text", `<p>See <img src="cid:x" alt="diagram"> here</p>`, "See diagram here"},
		{"inline tags do not split words", "<b>Hel</b>lo <i>wor</i>ld", "Hello world"},
		{"blank lines collapse", "<p>a</p><p></p><p></p><div><div>b</div></div>", "a\n\nb"},
		{"broken markup", "<p>one<p>two</div></span><<>>three", "one\n\ntwo\n<<>>three"},
		{"an empty div line is a blank line", "<div>Hello,</div><div><br></div><div>Please restart.</div>", "Hello,\n\nPlease restart."},
		{"two line breaks are a blank line", "one<br><br>two<br>three<br><br><br><br>four", "one\n\ntwo\nthree\n\nfour"},
		{"a line break that ends a block adds no blank line", "<div>one<br></div><div>two</div>", "one\ntwo"},
		{"japanese with entities", "<p>&#x5C71;&#30000;&nbsp;様</p>", "山田 様"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := HTMLToText(tt.in); got != tt.want {
				t.Errorf("HTMLToText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
