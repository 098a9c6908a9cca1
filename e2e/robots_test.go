//go:build e2e

package e2e

import (
	"testing"

	"github.com/madoguchi/madoguchi/internal/agentstest"
)

// Robots through the agents' half (issue 12, items 3 and 13) as the built
// binary meets them on Dovecot: the scenarios cmd/madoguchi runs
// in-process, each on a Dovecot user of its own.

const (
	userRobotsBothSides = "robotsboth"
	userRobotsTwoDesks  = "robotsdesks"
	userRobotsErrors    = "robotserrors"
)

func init() {
	dovecotUsers = append(dovecotUsers, userRobotsBothSides, userRobotsTwoDesks, userRobotsErrors)
}

func TestE2E_RobotsOnBothSidesStopWithinTwoRounds(t *testing.T) {
	agentstest.RobotsOnBothSidesStopWithinTwoRounds(t, onDovecot(userRobotsBothSides))
}

func TestE2E_RobotsTwoDesksAcknowledgingEachOtherStopAfterOneExchange(t *testing.T) {
	agentstest.TwoDesksAcknowledgingEachOtherStopAfterOneExchange(t, onDovecot(userRobotsTwoDesks))
}

func TestE2E_RobotsCommandErrorsHaveALimitOfTheirOwn(t *testing.T) {
	agentstest.CommandErrorsHaveALimitOfTheirOwn(t, onDovecot(userRobotsErrors))
}
