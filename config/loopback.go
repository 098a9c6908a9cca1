package config

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"
)

// RequireLoopback returns nil when host is this machine: "localhost", a
// loopback address, or a name whose every address is a loopback one.
// Security "insecure" (plain text, the password in clear) is allowed only
// there: the IMAP poller, the SMTP sender and the configuration's
// validation all ask this one function.
func RequireLoopback(host string) error {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil {
		if ip.IsLoopback() {
			return nil
		}
		return fmt.Errorf("%s is not a loopback address", host)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return fmt.Errorf("resolving %s: %w", host, err)
	}
	if len(addrs) == 0 {
		return fmt.Errorf("%s has no address", host)
	}
	for _, a := range addrs {
		if !a.IP.IsLoopback() {
			return fmt.Errorf("%s resolves to %s, which is not a loopback address", host, a.IP)
		}
	}
	return nil
}
