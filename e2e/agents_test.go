//go:build e2e

package e2e

import (
	"os"
	"strings"
	"testing"

	"github.com/madoguchi/madoguchi/internal/agentstest"
	"github.com/madoguchi/madoguchi/internal/mailserver"
)

// Agents by mail (issue 8) as the built binary runs it on Dovecot: the
// scenarios of internal/agentstest (the ones cmd/madoguchi runs on the
// in-process servers), each on a Dovecot user of its own, driven with
// `run --once` and `run --once --now TIMESTAMP`.

const (
	userAgentsFlow     = "agentsflow"
	userAgentsForged   = "agentsforged"
	userAgentsSLA      = "agentssla"
	userAgentsEscalate = "agentsescalate"
	userAgentsHours    = "agentshours"
	userAgentsHold     = "agentshold"
	userAgentsClients  = "agentsclients"
	userAgentsCustomer = "agentscustomer"
	userAgentsCommands = "agentscommands"
)

func init() {
	dovecotUsers = append(dovecotUsers, userAgentsFlow, userAgentsForged, userAgentsSLA, userAgentsEscalate,
		userAgentsHours, userAgentsHold, userAgentsClients, userAgentsCustomer, userAgentsCommands)
}

func TestE2E_AgentsFromQuestionToClosedTicket(t *testing.T) {
	agentstest.FromQuestionToClosedTicket(t, onDovecot(userAgentsFlow))
}

func TestE2E_AgentsForgedRepliesAndStrangersActOnNothing(t *testing.T) {
	agentstest.ForgedAgentRepliesAndStrangersActOnNothing(t, onDovecot(userAgentsForged))
}

func TestE2E_AgentsSLAReminderBreachAndEscalationAtTheirInstants(t *testing.T) {
	agentstest.SLAReminderBreachAndEscalationAtTheirInstants(t, onDovecot(userAgentsSLA))
}

func TestE2E_AgentsUnansweredTicketMovesOnAfterEscalateAfter(t *testing.T) {
	agentstest.UnansweredTicketMovesOnAfterEscalateAfter(t, onDovecot(userAgentsEscalate))
}

func TestE2E_AgentsBusinessHoursAndHolidaysAreHonoured(t *testing.T) {
	agentstest.BusinessHoursAndHolidaysAreHonoured(t, onDovecot(userAgentsHours))
}

func TestE2E_AgentsOnHoldPausesTheClocksUntilTheCustomerReplies(t *testing.T) {
	agentstest.OnHoldPausesTheClocksUntilTheCustomerReplies(t, onDovecot(userAgentsHold))
}

func TestE2E_AgentsRepliesFromDifferentMailClients(t *testing.T) {
	agentstest.RepliesFromDifferentMailClients(t, onDovecot(userAgentsClients))
}

func TestE2E_AgentsCustomerSideParticipantBounceAndReopen(t *testing.T) {
	agentstest.CustomerSideParticipantBounceAndReopen(t, onDovecot(userAgentsCustomer))
}

func TestE2E_AgentsCommandsByMail(t *testing.T) {
	agentstest.CommandsByMail(t, onDovecot(userAgentsCommands))
}

// onDovecot starts deployments serving user's INBOX; a scenario starts
// one, so the mailbox is fresh.
func onDovecot(user string) agentstest.Start {
	return func(t *testing.T, desk string) agentstest.Gateway {
		t.Helper()
		d := newDeployment(t, user, imapPassword, env.imapAddr)
		f, err := os.OpenFile(d.config, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(desk); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		return binaryOnDovecot{d}
	}
}

// binaryOnDovecot is a deployment driven as an agents scenario drives a
// gateway.
type binaryOnDovecot struct{ d *deployment }

func (g binaryOnDovecot) Deliver(t *testing.T, raws ...string) {
	t.Helper()
	appendRaw(t, g.d.user, raws...)
}

func (g binaryOnDovecot) Madoguchi(t *testing.T, args ...string) string {
	t.Helper()
	r := g.d.madoguchi(args...)
	if r.err != nil {
		t.Fatalf("madoguchi %s: %s", strings.Join(args, " "), r)
	}
	return r.stdout
}

func (g binaryOnDovecot) Received() []mailserver.Received { return g.d.smtp.Received() }
