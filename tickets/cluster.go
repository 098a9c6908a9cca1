package tickets

// The channels PostgreSQL's NOTIFY speaks on: a commit another process
// wants the gateways to see at once (Options.WakeGateway), and a new
// version of the FAQ (a trigger on faq_version, migration 001).
const (
	channelWake = "madoguchi_wake"
	channelFAQ  = "madoguchi_faq"
)
