package desk

import (
	"strings"
	"testing"
)

// Every command the desk knows is explained where agents read how to act:
// in the notice, in both languages.
func TestCommands_EveryCommandIsExplainedInTheNotice(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		f := newAgentFixture(t, func(o *Options) { o.Language = lang })
		_, n := f.escalated("The printer on 3F prints blank pages.")
		for name, spec := range commandSpecs {
			if !strings.Contains(n.Text, "\n  #"+name+" ") {
				t.Errorf("the %s notice does not explain #%s (%s):\n%s", lang, name, spec.arg, n.Text)
			}
		}
	}
}
