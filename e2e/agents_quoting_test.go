//go:build e2e

package e2e

import (
	"bytes"
	"os"
	"testing"

	"github.com/madoguchi/madoguchi/internal/agentstest"
)

// The agents' replies that must never carry our notice, a logo or an
// attachment to the customer (issue 12, items 1, 8 and 10), as the built
// binary handles them on Dovecot.

const (
	userAgentsQuoting = "agentsquoting"
	userAgentsCommand = "agentscommandonly"
)

func init() { dovecotUsers = append(dovecotUsers, userAgentsQuoting, userAgentsCommand) }

func TestE2E_AgentsQuotedNoticesNeverReachTheCustomer(t *testing.T) {
	agentstest.QuotedNoticesNeverReachTheCustomer(t, withDeskLanguageOfTheScenario(userAgentsQuoting))
}

func TestE2E_AgentsCommandOnlyAndClosedTicketsMailTheCustomerNothing(t *testing.T) {
	agentstest.CommandOnlyAndClosedTicketsMailTheCustomerNothing(t, onDovecot(userAgentsCommand))
}

// withDeskLanguageOfTheScenario is onDovecot for a scenario that sets
// desk.language itself (a Japanese desk): the deployment's own
// `language = "en"` goes, or the key would be defined twice.
func withDeskLanguageOfTheScenario(user string) agentstest.Start {
	return func(t *testing.T, desk string) agentstest.Gateway {
		t.Helper()
		g := onDovecot(user)(t, desk).(binaryOnDovecot)
		b, err := os.ReadFile(g.d.config)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(g.d.config, bytes.Replace(b, []byte("language = \"en\"\n"), nil, 1), 0o600); err != nil {
			t.Fatal(err)
		}
		return g
	}
}
