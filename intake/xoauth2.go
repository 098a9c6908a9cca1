package intake

import "github.com/emersion/go-sasl"

// xoauth2Client is the SASL XOAUTH2 mechanism (Google, Microsoft), which
// go-sasl lacks.
type xoauth2Client struct {
	user, token string
	// serverError keeps the JSON error challenge a server sends before it
	// refuses the token, so the refusal can say why.
	serverError string
}

var _ sasl.Client = (*xoauth2Client)(nil)

func newXOAUTH2Client(user, token string) *xoauth2Client {
	return &xoauth2Client{user: user, token: token}
}

func (x *xoauth2Client) Start() (mech string, ir []byte, err error) {
	return "XOAUTH2", []byte("user=" + x.user + "\x01auth=Bearer " + x.token + "\x01\x01"), nil
}

// Next answers the only challenge XOAUTH2 has, the server's JSON error, with
// an empty response, after which the server completes the command with NO.
func (x *xoauth2Client) Next(challenge []byte) ([]byte, error) {
	const maxKept = 512
	x.serverError = string(challenge[:min(len(challenge), maxKept)])
	return []byte{}, nil
}
