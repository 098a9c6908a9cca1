//go:build e2e

package e2e

import (
	"testing"

	"github.com/madoguchi/madoguchi/internal/agentstest"
)

// One incident, many reporters (issue 13), as the built binary runs it on
// Dovecot: the scenarios of internal/agentstest that cmd/madoguchi runs
// on the in-process servers, each on a Dovecot user of its own.

const (
	userIncidentsMerge = "incidentsmerge"
	userIncidentsMajor = "incidentsmajor"
)

func init() {
	dovecotUsers = append(dovecotUsers, userIncidentsMerge, userIncidentsMajor)
}

func TestE2E_AgentsTwoReportersMergedOneToldOnceTheResolutionReachesBoth(t *testing.T) {
	agentstest.TwoReportersMergedOneToldOnceTheResolutionReachesBoth(t, onDovecot(userIncidentsMerge))
}

func TestE2E_AgentsMajorIncidentTakesInLaterReportsAndOneResolveTellsAll(t *testing.T) {
	agentstest.MajorIncidentTakesInLaterReportsAndOneResolveTellsAll(t, onDovecot(userIncidentsMajor))
}
