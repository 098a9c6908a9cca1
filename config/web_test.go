package config

import (
	"errors"
	"strings"
	"testing"
)

func TestParse_WebDerivesBaseURLFromListen(t *testing.T) {
	for _, tt := range []struct {
		src, want string
		secure    bool
	}{
		{"[web]\nlisten = \"127.0.0.1:8025\"", "http://127.0.0.1:8025", false},
		{"[web]\nlisten = \"[::1]:8025\"", "http://[::1]:8025", false},
		{"[web]\nlisten = \"localhost:8025\"\nbase_url = \"https://desk.example.com/\"", "https://desk.example.com", true},
		{"", "", false},
	} {
		c := mustParse(t, tt.src)
		if c.Web.BaseURL != tt.want || c.Web.Secure() != tt.secure {
			t.Errorf("%q: base_url %q secure %v, want %q %v", tt.src, c.Web.BaseURL, c.Web.Secure(), tt.want, tt.secure)
		}
	}
}

func TestParse_WebAndReportsBadValuesNameTheirKey(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"listen without port", "[web]\nlisten = \"127.0.0.1\"", `config: web.listen: "127.0.0.1" is not host:port`},
		{"listen on every address without base_url", "[web]\nlisten = \"0.0.0.0:8025\"", `config: web.base_url: required when web.listen ("0.0.0.0:8025") names no host a browser can reach`},
		{"plain HTTP off loopback", "[web]\nlisten = \"0.0.0.0:8025\"\nbase_url = \"http://desk.example.com\"", `config: web.listen: plain HTTP is served only on a loopback address`},
		{"base_url not http", "[web]\nbase_url = \"ftp://desk.example.com\"", `config: web.base_url: "ftp://desk.example.com" is not an http:// or https:// URL`},
		{"base_url with a query", "[web]\nbase_url = \"https://desk.example.com/?x=1\"", `config: web.base_url: "https://desk.example.com/?x=1" must have no user, query or fragment`},
		{"cert without key", "[web]\ntls_cert = \"cert.pem\"", `config: web.tls_key: web.tls_cert and web.tls_key go together`},
		{"admin not an address", "[web]\nadmins = [\"boss at example.com\"]", `config: web.admins[0]: "boss at example.com" is not a mail address`},
		{"viewer not an address", "[web]\nviewers = [\"audit at example.org\"]", `config: web.viewers[0]: "audit at example.org" is not a mail address`},
		{"viewer domain without a dot", "[web]\nviewers = [\"@corp\"]", `config: web.viewers[0]: "@corp" is not "@" and a domain`},
		{"viewer @ alone", "[web]\nviewers = [\"a@corp.example\", \"@\"]", `config: web.viewers[1]: "@" is not "@" and a domain`},
		{"viewer the support address", "[desk]\nsupport_address = \"support@example.com\"\n[web]\nviewers = [\"support@example.com\"]", `config: web.viewers[0]: "support@example.com" is desk.support_address`},
		{"session too short", "[web]\nsession_lifetime = \"1m\"", `config: web.session_lifetime: 1m is less than 5m`},
		{"session too long", "[web]\nsession_lifetime = \"1y\"", `config: web.session_lifetime: not a duration`},
		{"session longer than 90 days", "[web]\nsession_lifetime = \"13w\"", `config: web.session_lifetime: 13w is more than 90d`},
		{"proxy header", "[web]\nproxy_header = \"Forwarded\"", `config: web.proxy_header: "Forwarded" is not one of "", X-Forwarded-For, X-Real-IP`},
		{"digest period", "[reports]\ndigest = \"monthly\"", `config: reports.digest: "monthly" is not one of "", daily, weekly`},
		{"digest without admins", "[reports]\ndigest = \"weekly\"", `config: reports.digest: "weekly" mails the admins, but web.admins is empty`},
		{"metrics listen without port", "[metrics]\nlisten = \"127.0.0.1\"", `config: metrics.listen: "127.0.0.1" is not host:port`},
		{"metrics on the console's listener", "[web]\nlisten = \"127.0.0.1:8025\"\n[metrics]\nlisten = \"127.0.0.1:8025\"", `config: metrics.listen: "127.0.0.1:8025" is web.listen too`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.src), nil, "")
			if err == nil {
				t.Fatalf("Parse accepted:\n%s", tt.src)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error =\n%v\nwant a line containing\n%s", err, tt.want)
			}
			var ke *KeyError
			if !errors.As(err, &ke) {
				t.Errorf("error is not a *KeyError: %T", err)
			}
		})
	}
}

func TestParse_WebAdminsFromTheEnvironment(t *testing.T) {
	c, err := Parse([]byte("[web]\nlisten = \"127.0.0.1:8025\""), envMap(map[string]string{
		"MADOGUCHI_WEB_ADMINS":     "boss@example.com, lead@example.com",
		"MADOGUCHI_REPORTS_DIGEST": "weekly",
	}), "")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.Web.Admins, ",") != "boss@example.com,lead@example.com" || c.Reports.Digest != DigestWeekly {
		t.Errorf("admins %q digest %q", c.Web.Admins, c.Reports.Digest)
	}
}

func TestRequireRun_WebCertificateMustLoad(t *testing.T) {
	src := "[web]\nlisten = \"127.0.0.1:8025\"\ntls_cert = \"/nonexistent/cert.pem\"\ntls_key = \"/nonexistent/key.pem\""
	c := mustParse(t, src)
	err := c.RequireRun()
	if err == nil || !strings.Contains(err.Error(), "web.tls_cert: open /nonexistent/cert.pem") {
		t.Errorf("RequireRun = %v, want the certificate named", err)
	}
	if c.Web.BaseURL != "https://127.0.0.1:8025" {
		t.Errorf("base_url %q, want https from tls_cert", c.Web.BaseURL)
	}
}

func TestRequireWeb_NeedsAnAddressForLinks(t *testing.T) {
	if err := mustParse(t, "").RequireWeb(); err == nil || !strings.Contains(err.Error(), "web.base_url: required for sign-in links") {
		t.Errorf("RequireWeb = %v", err)
	}
	if err := mustParse(t, "[web]\nlisten = \"127.0.0.1:8025\"").RequireWeb(); err != nil {
		t.Errorf("RequireWeb with listen: %v", err)
	}
}

func TestParse_WebViewersAddressesAndDomainsFromTheFileOrTheEnvironment(t *testing.T) {
	c := mustParse(t, "[web]\nviewers = [\"audit@example.org\", \"@corp.example\"]\nviewers_see_notes = true")
	if strings.Join(c.Web.Viewers, ",") != "audit@example.org,@corp.example" || !c.Web.ViewersSeeNotes {
		t.Errorf("viewers %q, see notes %v", c.Web.Viewers, c.Web.ViewersSeeNotes)
	}
	c, err := Parse(nil, envMap(map[string]string{"MADOGUCHI_WEB_VIEWERS": "@corp.example, audit@example.org", "MADOGUCHI_WEB_VIEWERS_SEE_NOTES": "true"}), "")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.Web.Viewers, ",") != "@corp.example,audit@example.org" || !c.Web.ViewersSeeNotes {
		t.Errorf("from the environment: viewers %q, see notes %v", c.Web.Viewers, c.Web.ViewersSeeNotes)
	}
	if c := mustParse(t, ""); len(c.Web.Viewers) != 0 || c.Web.ViewersSeeNotes {
		t.Errorf("defaults: viewers %q, see notes %v", c.Web.Viewers, c.Web.ViewersSeeNotes)
	}
}
