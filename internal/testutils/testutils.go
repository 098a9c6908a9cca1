// Package testutils holds small helpers that tests of several packages
// share. It imports testing: shipped code never imports it.
package testutils

import (
	"testing"

	"github.com/madoguchi/madoguchi/internal/mailserver"
)

// ClosedAddr returns a loopback address where nothing listens: a server
// that is down.
func ClosedAddr(t testing.TB) string {
	t.Helper()
	addr, err := mailserver.ClosedAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}
