package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/madoguchi/madoguchi/internal/agentstest"
	"github.com/madoguchi/madoguchi/internal/mailserver"
)

// Agents by mail (issue 8) through the real gateway: the scenarios of
// internal/agentstest run `madoguchi run --once` (and `--now`) in-process
// against the go-imap and go-smtp servers of internal/mailserver. The same
// scenarios run as the built binary on Dovecot in e2e/agents_test.go.

func TestAgentsByMail_FromQuestionToClosedTicket(t *testing.T) {
	agentstest.FromQuestionToClosedTicket(t, startInProcess)
}

func TestAgentsByMail_ForgedAgentRepliesAndStrangersActOnNothing(t *testing.T) {
	agentstest.ForgedAgentRepliesAndStrangersActOnNothing(t, startInProcess)
}

func TestAgentsByMail_SLAReminderBreachAndEscalationAtTheirInstants(t *testing.T) {
	agentstest.SLAReminderBreachAndEscalationAtTheirInstants(t, startInProcess)
}

func TestAgentsByMail_UnansweredTicketMovesOnAfterEscalateAfter(t *testing.T) {
	agentstest.UnansweredTicketMovesOnAfterEscalateAfter(t, startInProcess)
}

func TestAgentsByMail_BusinessHoursAndHolidaysAreHonoured(t *testing.T) {
	agentstest.BusinessHoursAndHolidaysAreHonoured(t, startInProcess)
}

func TestAgentsByMail_OnHoldPausesTheClocksUntilTheCustomerReplies(t *testing.T) {
	agentstest.OnHoldPausesTheClocksUntilTheCustomerReplies(t, startInProcess)
}

func TestAgentsByMail_RepliesFromDifferentMailClients(t *testing.T) {
	agentstest.RepliesFromDifferentMailClients(t, startInProcess)
}

func TestAgentsByMail_CustomerSideParticipantBounceAndReopen(t *testing.T) {
	agentstest.CustomerSideParticipantBounceAndReopen(t, startInProcess)
}

func TestAgentsByMail_CommandsByMail(t *testing.T) {
	agentstest.CommandsByMail(t, startInProcess)
}

func TestAgentsByMail_QuotedNoticesNeverReachTheCustomer(t *testing.T) {
	agentstest.QuotedNoticesNeverReachTheCustomer(t, startInProcess)
}

func TestAgentsByMail_CommandOnlyAndClosedTicketsMailTheCustomerNothing(t *testing.T) {
	agentstest.CommandOnlyAndClosedTicketsMailTheCustomerNothing(t, startInProcess)
}

func TestAgentsByMail_RobotsOnBothSidesStopWithinTwoRounds(t *testing.T) {
	agentstest.RobotsOnBothSidesStopWithinTwoRounds(t, startInProcess)
}

func TestAgentsByMail_TwoDesksAcknowledgingEachOtherStopAfterOneExchange(t *testing.T) {
	agentstest.TwoDesksAcknowledgingEachOtherStopAfterOneExchange(t, startInProcess)
}

func TestAgentsByMail_CommandErrorsHaveALimitOfTheirOwn(t *testing.T) {
	agentstest.CommandErrorsHaveALimitOfTheirOwn(t, startInProcess)
}

func TestAgentsByMail_PendingParaphraseNeverAnswersAutomatically(t *testing.T) {
	agentstest.PendingParaphraseNeverAnswersAutomatically(t, startInProcess)
}

func TestAgentsByMail_TimersNeverStarveAndComeAsOneDigest(t *testing.T) {
	agentstest.TimersNeverStarveAndComeAsOneDigest(t, startInProcess)
}

func TestAgentsByMail_TierAddressBounceIsToldOnceAndShownOnTheTicket(t *testing.T) {
	agentstest.TierAddressBounceIsToldOnceAndShownOnTheTicket(t, startInProcess)
}

func TestAgentsByMail_HandOffTellsTheWholeStoryInTheDesksLanguage(t *testing.T) {
	agentstest.HandOffTellsTheWholeStoryInTheDesksLanguage(t, startInProcess)
}

func TestAgentsByMail_OutOfHoursAndTheStoryAtTheTerminal(t *testing.T) {
	agentstest.OutOfHoursAndTheStoryAtTheTerminal(t, startInProcess)
}

func TestAgentsByMail_TwoReportersMergedOneToldOnceTheResolutionReachesBoth(t *testing.T) {
	agentstest.TwoReportersMergedOneToldOnceTheResolutionReachesBoth(t, startInProcess)
}

func TestAgentsByMail_MajorIncidentTakesInLaterReportsAndOneResolveTellsAll(t *testing.T) {
	agentstest.MajorIncidentTakesInLaterReportsAndOneResolveTellsAll(t, startInProcess)
}

func TestAgentsByMail_EveryoneOnTheThreadIsAnswered(t *testing.T) {
	agentstest.EveryoneOnTheThreadIsAnswered(t, startInProcess)
}

// inProcess is a gateway on the in-process servers, run through the
// command tree as a user would run the binary.
type inProcess struct {
	config string
	imap   *mailserver.IMAPServer
	smtp   *mailserver.SMTPServer
}

func startInProcess(t *testing.T, desk string) agentstest.Gateway {
	t.Helper()
	imapSrv, err := mailserver.StartIMAP(mailserver.IMAPOptions{Username: "u", Password: "p"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { imapSrv.Close() })
	smtpSrv, err := mailserver.StartSMTP(mailserver.SMTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { smtpSrv.Close() })
	g := &inProcess{config: filepath.Join(t.TempDir(), "madoguchi.toml"), imap: imapSrv, smtp: smtpSrv}
	body := fmt.Sprintf(`[store]
path = "data/m.db"
[imap]
address = %q
security = "insecure"
username = "u"
password = "p"
[smtp]
address = %q
security = "insecure"
from = "Example Support <support@example.com>"
[log]
level = "error"
[desk]
support_address = "support@example.com"
`, imapSrv.Addr, smtpSrv.Addr) + desk
	if err := os.WriteFile(g.config, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return g
}

func (g *inProcess) Deliver(t *testing.T, raws ...string) {
	t.Helper()
	for _, raw := range raws {
		if _, err := g.imap.Append("INBOX", []byte(raw)); err != nil {
			t.Fatal(err)
		}
	}
}

func (g *inProcess) Madoguchi(t *testing.T, args ...string) string {
	t.Helper()
	out, _, err := cli(t, "", append([]string{"--config", g.config}, args...)...)
	if err != nil {
		t.Fatalf("madoguchi %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func (g *inProcess) Received() []mailserver.Received { return g.smtp.Received() }
