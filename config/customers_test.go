package config

import (
	"strings"
	"testing"
)

// desk.tone and desk.cc_participants: how the mails to customers speak
// and whom they Cc. By default a desk speaks to customers outside and
// answers everyone on the requester's thread.
func TestDeskToneAndCCParticipants_DefaultsAndRefusals(t *testing.T) {
	d := Default()
	if d.Desk.Tone != ToneExternal || !d.Desk.CCParticipants {
		t.Errorf("defaults: tone %q, cc_participants %v; want %q, true", d.Desk.Tone, d.Desk.CCParticipants, ToneExternal)
	}
	c, err := Parse([]byte("[desk]\ntone = \"internal\"\ncc_participants = false\n"), nil, "")
	if err != nil || c.Desk.Tone != ToneInternal || c.Desk.CCParticipants {
		t.Errorf("internal, off: %+v %v", c.Desk, err)
	}
	_, err = Parse([]byte("[desk]\ntone = \"casual\"\n"), nil, "")
	if err == nil || !strings.Contains(err.Error(), `desk.tone: "casual" is not one of external, internal`) {
		t.Errorf("a tone of its own: err = %v", err)
	}
	env := map[string]string{"MADOGUCHI_DESK_TONE": "internal", "MADOGUCHI_DESK_CC_PARTICIPANTS": "false"}
	c, err = Parse(nil, func(k string) string { return env[k] }, "")
	if err != nil || c.Desk.Tone != ToneInternal || c.Desk.CCParticipants {
		t.Errorf("from the environment: %+v %v", c.Desk, err)
	}
}
