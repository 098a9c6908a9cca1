//go:build e2e

package e2e

import (
	"testing"

	"github.com/madoguchi/madoguchi/internal/agentstest"
)

// Learning must not be poisoned (issue 13), as the built binary runs it on
// Dovecot: the scenario of internal/agentstest that cmd/madoguchi runs on
// the in-process servers, on a Dovecot user of its own.

const userAgentsLearning = "agentslearning"

func init() {
	dovecotUsers = append(dovecotUsers, userAgentsLearning)
}

func TestE2E_AgentsPendingParaphraseNeverAnswersAutomatically(t *testing.T) {
	agentstest.PendingParaphraseNeverAnswersAutomatically(t, onDovecot(userAgentsLearning))
}
