//go:build e2e

package e2e

import (
	"testing"

	"github.com/madoguchi/madoguchi/internal/agentstest"
)

// The mails to customers of issue 13 (internal/agentstest participants.go)
// as the built binary runs them on Dovecot.

const userAgentsCc = "agentscc"

func init() { dovecotUsers = append(dovecotUsers, userAgentsCc) }

func TestE2E_AgentsEveryoneOnTheThreadIsAnswered(t *testing.T) {
	agentstest.EveryoneOnTheThreadIsAnswered(t, onDovecot(userAgentsCc))
}
