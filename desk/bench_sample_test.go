//go:build !faqbench

package desk

import (
	"testing"

	"github.com/madoguchi/madoguchi/tickets"
)

// benchFAQ is the FAQ of the matching benchmarks without the faqbench tag:
// the sample entries of faq_test.go.
func benchFAQ(b *testing.B) []tickets.FAQ {
	b.Log("FAQ: the sample entries (-tags faqbench: the localgovfaq entries)")
	return sampleFAQ
}
