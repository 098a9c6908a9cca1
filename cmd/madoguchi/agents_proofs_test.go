package main

import (
	"testing"

	"github.com/madoguchi/madoguchi/internal/agentstest"
)

// Issue 12, items 4 to 7: proofs of an agent that fail closed, and
// legitimate mail that is not read as forged (see agentstest).

func TestAgentsByMail_ProofsFailClosed(t *testing.T) {
	agentstest.ProofsFailClosed(t, startInProcess)
}
