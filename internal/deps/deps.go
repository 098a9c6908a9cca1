//go:build tools

// Package deps pins the modules the packages are being built on, so parallel work does not race on go.mod. Removed once every import is real.
package deps
import (
 _ "github.com/emersion/go-imap/v2"
 _ "github.com/emersion/go-imap/v2/imapclient"
 _ "github.com/emersion/go-imap/v2/imapserver"
 _ "github.com/emersion/go-imap/v2/imapserver/imapmemserver"
 _ "github.com/emersion/go-message"
 _ "github.com/emersion/go-message/charset"
 _ "github.com/emersion/go-message/mail"
 _ "github.com/emersion/go-smtp"
 _ "github.com/emersion/go-sasl"
 _ "github.com/wneessen/go-mail"
 _ "github.com/blevesearch/bleve/v2"
 _ "github.com/blevesearch/bleve/v2/analysis/lang/cjk"
 _ "modernc.org/sqlite"
 _ "github.com/BurntSushi/toml"
 _ "github.com/spf13/cobra"
 _ "golang.org/x/net/html"
 _ "golang.org/x/text/unicode/norm"
 _ "go.yaml.in/yaml/v3"
 _ "github.com/ikawaha/kagome/v2/tokenizer"
 _ "github.com/ikawaha/kagome-dict/ipa"
)

