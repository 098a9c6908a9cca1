package intake

import "context"

// Fetched is one message as fetched from the server, before parsing.
type Fetched struct {
	Mailbox     string
	UIDValidity uint32
	UID         uint32
	Raw         []byte
	// Size is the size of the whole message as the server reported it
	// (RFC822.SIZE).
	Size int64
	// HeaderOnly: the message is larger than SizeLimit (the poller's
	// MaxMessageBytes), so only its header was fetched, at most its first
	// MiB, and Raw holds that. The message itself stays on the server.
	HeaderOnly bool
	SizeLimit  int64
}

// Sink is where the poller hands fetched mail. The desk implements it on top
// of the ticket store; the poller only flags or moves a message on the server
// after Store has returned nil for it.
type Sink interface {
	// Known returns the subset of uids (of mailbox at uidValidity) that are
	// already recorded durably, so they are flagged again without a fetch
	// (a crash between commit and flag leaves such messages behind).
	Known(ctx context.Context, mailbox string, uidValidity uint32, uids []uint32) (map[uint32]bool, error)
	// LastUID is the highest UID recorded for mailbox at uidValidity, 0
	// when none: the poller resumes above it even for mail that someone
	// marked \Seen in a mail client before it was fetched.
	LastUID(ctx context.Context, mailbox string, uidValidity uint32) (uint32, error)
	// Store records every message of batch durably (committed and fsync'd)
	// before it returns nil. An error means none of the batch may be flagged.
	Store(ctx context.Context, batch []Fetched) error
}

// A PassEnder is a Sink that hears when a pass that stored mail is done:
// every batch committed and filed. It may then do what it left for later
// while mail kept coming (the desk indexes the console's search). Its
// error is logged; the mail is stored and filed already.
type PassEnder interface {
	PassDone(ctx context.Context) error
}

// A Preparer is a Sink that does Store in two steps, so that the poller
// can fetch and prepare the next batch while one commits: Prepare does the
// work that writes nothing (parsing, FAQ matching), and may run while the
// Commit of the batch before runs; the Commit of what it returns records
// the batch as Store would. The poller calls Prepare on one goroutine and
// Commit on another, one batch at a time each, and commits in the order it
// prepared. A sink that is no Preparer has its Store called for Commit.
type Preparer interface {
	Prepare(ctx context.Context, batch []Fetched) PreparedBatch
}

// PreparedBatch is a batch a Preparer has prepared.
type PreparedBatch interface {
	// Commit records the batch durably (committed and fsync'd) before it
	// returns nil. An error means none of the batch may be flagged.
	Commit(ctx context.Context) error
}

// storeBatch commits a batch through Sink.Store.
type storeBatch struct {
	sink  Sink
	batch []Fetched
}

func (b storeBatch) Commit(ctx context.Context) error { return b.sink.Store(ctx, b.batch) }
