//go:build e2e

package e2e

import (
	"testing"

	"github.com/madoguchi/madoguchi/internal/agentstest"
)

// The whole story at every hand-off, in the desk's language (issue 13),
// as the built binary runs it on Dovecot: the scenario of
// internal/agentstest that cmd/madoguchi runs on the in-process servers,
// on a Dovecot user of its own.

const userAgentsHandoff = "agentshandoff"

func init() {
	dovecotUsers = append(dovecotUsers, userAgentsHandoff)
}

func TestE2E_AgentsHandOffTellsTheWholeStoryInTheDesksLanguage(t *testing.T) {
	agentstest.HandOffTellsTheWholeStoryInTheDesksLanguage(t, withDeskLanguageOfTheScenario(userAgentsHandoff))
}
