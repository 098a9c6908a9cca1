package config

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"time"
)

// TokenCommandTimeout bounds one run of token_command.
const TokenCommandTimeout = 30 * time.Second

// maxStderr is how much of a failing token command's stderr goes into the
// error: enough for its message, not a whole trace.
const maxStderr = 1024

// Host is the host part of Address ("" when Address is not host:port).
func (s Server) Host() string {
	host, _, err := net.SplitHostPort(s.Address)
	if err != nil {
		return ""
	}
	return host
}

// TLSConfig is the client TLS configuration for this server: the system
// roots plus ca_file, and tls_server_name (else the address's host) as the
// name to verify.
func (s Server) TLSConfig() (*tls.Config, error) {
	name := s.TLSServerName
	if name == "" {
		name = s.Host()
	}
	return clientTLS(s.key("ca_file"), s.CAFile, name)
}

// clientTLS is a client TLS configuration that verifies against the
// system roots plus the PEM certificates of caFile (named key in errors),
// and name when not "".
func clientTLS(key, caFile, name string) (*tls.Config, error) {
	cfg := &tls.Config{ServerName: name, MinVersion: tls.VersionTLS12}
	if caFile == "" {
		return cfg, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, &KeyError{Key: key, Err: err}
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool() // no system roots here: the private CA alone
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, &KeyError{Key: key, Err: fmt.Errorf("%s holds no PEM certificate", caFile)}
	}
	cfg.RootCAs = pool
	return cfg, nil
}

// TokenFunc returns a func that gets an OAuth2 access token for XOAUTH2, at
// each call, so a token refreshed outside madoguchi is picked up at the next
// login: from token_file (re-read, trimmed), else by running token_command
// with `sh -c` (at most [TokenCommandTimeout]; its trimmed stdout is the
// token). A failing command's error carries its stderr, never its stdout.
func (s Server) TokenFunc() func(ctx context.Context) (string, error) {
	switch {
	case s.TokenFile != "":
		key, path := s.key("token_file"), s.TokenFile
		return func(context.Context) (string, error) { return readToken(key, path) }
	case s.TokenCommand != "":
		key, command := s.key("token_command"), s.TokenCommand
		return func(ctx context.Context) (string, error) { return runTokenCommand(ctx, key, command) }
	default:
		key := s.key("token_file")
		return func(context.Context) (string, error) {
			return "", &KeyError{Key: key, Err: fmt.Errorf("xoauth2 needs %s or %s", key, s.key("token_command"))}
		}
	}
}

// key is the full TOML key of one of this server's keys.
func (s Server) key(name string) string {
	if s.section == "" {
		return name
	}
	return s.section + "." + name
}

func readToken(key, path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", &KeyError{Key: key, Err: err}
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", &KeyError{Key: key, Err: fmt.Errorf("%s is empty", path)}
	}
	return tok, nil
}

func runTokenCommand(ctx context.Context, key, command string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, TokenCommandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	// A grandchild that keeps the pipes open must not hold us past the kill.
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	tok := strings.TrimSpace(stdout.String())
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w: %w", ctx.Err(), err)
		}
		msg := redact(stderr.String(), stdout.String())
		if msg == "" {
			return "", &KeyError{Key: key, Err: fmt.Errorf("token command failed: %w", err)}
		}
		return "", &KeyError{Key: key, Err: fmt.Errorf("token command failed: %w; stderr: %s", err, msg)}
	}
	if tok == "" {
		return "", &KeyError{Key: key, Err: errors.New("token command printed no token")}
	}
	return tok, nil
}

// redact trims stderr for an error message and removes anything the command
// also printed on stdout: a helper that echoes its token in a diagnostic
// must not put it in our logs.
func redact(stderr, stdout string) string {
	msg := strings.TrimSpace(stderr)
	for _, line := range strings.Split(stdout, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			msg = strings.ReplaceAll(msg, line, MaskedValue)
		}
	}
	if len(msg) > maxStderr {
		msg = "…" + strings.ToValidUTF8(msg[len(msg)-maxStderr:], "")
	}
	return msg
}
