//go:build e2e

package e2e

import (
	"testing"

	"github.com/madoguchi/madoguchi/internal/agentstest"
)

// The SLA timers and tier bounces of issue 12 (internal/agentstest
// timers.go) as the built binary runs them on Dovecot, each scenario on a
// Dovecot user of its own.

const (
	userAgentsTimers     = "agentstimers"
	userAgentsTierBounce = "agentstierbounce"
)

func init() {
	dovecotUsers = append(dovecotUsers, userAgentsTimers, userAgentsTierBounce)
}

func TestE2E_AgentsTimersNeverStarveAndComeAsOneDigest(t *testing.T) {
	agentstest.TimersNeverStarveAndComeAsOneDigest(t, onDovecot(userAgentsTimers))
}

func TestE2E_AgentsTierAddressBounceIsToldOnceAndShownOnTheTicket(t *testing.T) {
	agentstest.TierAddressBounceIsToldOnceAndShownOnTheTicket(t, onDovecot(userAgentsTierBounce))
}
