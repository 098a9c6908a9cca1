# madoguchi: the front door. `make demo` and `make test` work on a fresh
# machine with Go; `make e2e` needs Dovecot (.ci/run installs it).

GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
FUZZTIME ?= 10s

.PHONY: all build image demo test fuzz e2e bench bench-e2e bench-postgres bench-faq bench-console bench-learning vet fmt clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/madoguchi ./cmd/madoguchi

# The container image (Dockerfile): a static binary on distroless, non-root.
# Needs a container engine; README.md's Packaging section has the checks.
image:
	docker build --build-arg VERSION=$(VERSION) -t madoguchi:$(VERSION) .

# The sample run on in-process servers; it ends by itself, its last line
# saying where the database is (`madoguchi demo --keep-running` serves on).
demo:
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/madoguchi demo

# Unit and in-process protocol tests, then a short run of the parser fuzzer.
# Minimizing a new interesting input may take up to a minute by default;
# past -fuzztime that ends the run with "context deadline exceeded".
test: vet
	$(GO) test -count=1 ./...
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 1s ./intake/mime

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime 5m ./intake/mime

# The built binary against a real Dovecot on loopback, and the console in
# Debian's headless Chromium; its screenshots are kept in e2e-artifacts/.
e2e:
	mkdir -p e2e-artifacts
	$(GO) test -tags e2e -count=1 -timeout 20m ./e2e/... -artifacts -outputdir $(CURDIR)/e2e-artifacts

# Parsing, the raw IMAP fetch limit, end-to-end ingest (plain and with FAQ
# matching) of MADOGUCHI_BENCH_N mixed messages (default 2000; 10000 for
# the memory check), each with its peak resident memory, and the gateway
# binary's own peak on the same mail and on ten mails of 25 MiB (and of
# 30 MiB, over the size limit) waiting at once. The FAQ is the 1,786 entries of
# ../shared/bench/localgovfaq, read at run time (absent: those runs are
# skipped with a message).
bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 30m ./intake/...
	$(GO) test -tags faqbench -run '^$$' -bench 'Ingest|GatewayProcess' -benchtime 1x -timeout 30m ./desk
	@if command -v dovecot >/dev/null 2>&1 || test -x /usr/sbin/dovecot; then $(MAKE) bench-e2e; \
	else echo "bench: dovecot is not installed, bench-e2e not run (apt-get install -y dovecot-imapd)"; fi

# The binary's `run --once` over MADOGUCHI_BENCH_N (default 10000) mixed
# real-world mails in a private Dovecot, with \Seen, with a processed
# mailbox and with the 1,786 localgovfaq entries, each beside a plain IMAP
# client on a copy of the same mail, three times: msg/s of the poller's
# pass and of the whole run, the share of the plain client's rate, user
# CPU per mail, peak RSS, the load average (e2e/bench_test.go has the
# knobs: an earlier binary in the same runs, profiles).
bench-e2e:
	$(GO) test -tags e2e -run '^$$' -bench DovecotIngest -benchtime 1x -count 3 -timeout 60m ./e2e

# Issue 17: the binary's `run` on one, two and three nodes against one
# PostgreSQL, beside one node on SQLite, ingesting MADOGUCHI_BENCH_N
# (default 10000) of bench-e2e's mails spread over three mailboxes of a
# private Dovecot, three rounds each: msg/s until every mail has a
# disposition, CPU per mail of the nodes and of the server, the mean FAQ
# match time, and the store's growth per mail, table by table
# (docs/postgres.md has the figures). PostgreSQL is $TEST_POSTGRES, else a
# throwaway cluster that scripts/postgres.sh starts (through internal/pgtest)
# with fsync and synchronous_commit on, since SQLite's commits are fsync'd
# too. BENCH_ROUNDS runs of the four rows one after another (not -count,
# which would run each row's rounds together: a busy spell of the machine
# would then fall on one row); every round first waits (ten minutes at
# most) for a load average below BENCH_MAXLOAD. Skipped with a message
# without PostgreSQL or Dovecot.
BENCH_MAXLOAD ?= 1
BENCH_ROUNDS  ?= 3
bench-postgres:
	@if [ -z "$$TEST_POSTGRES" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then \
		echo "bench-postgres: skipped: PostgreSQL is not installed (apt-get install -y postgresql) and TEST_POSTGRES is not set"; exit 0; fi; \
	if ! command -v dovecot >/dev/null 2>&1 && ! test -x /usr/sbin/dovecot; then \
		echo "bench-postgres: skipped: dovecot is not installed (apt-get install -y dovecot-imapd)"; exit 0; fi; \
	for i in $$(seq $(BENCH_ROUNDS)); do \
		POSTGRES_DURABLE=1 MADOGUCHI_BENCH_MAXLOAD=$(BENCH_MAXLOAD) \
			$(GO) test -tags e2e -count=1 -run '^$$' -bench ClusterIngest -benchtime 1x -v -timeout 60m ./e2e || exit 1; \
	done

# The FAQ matcher against ../shared/bench/localgovfaq (its check half is the
# held-out figure) and the project's own English development set
# (MADOGUCHI_FAQBENCH_DIR=dir1:dir2 replaces the list); built only with the
# faqbench tag, so `make test` has no skipping test.
bench-faq:
	$(GO) test -tags faqbench -count=1 -run 'TestFAQBenchReport' -v -timeout 60m ./responder
	$(GO) test -tags faqbench -run '^$$' -bench BenchmarkMatch -benchmem -timeout 30m ./responder

# The console over 100,000 tickets of a year (made once per run, about a
# minute): the queue page and the reports page, server time p50 and p95.
bench-console:
	$(GO) test -run '^$$' -bench 'QueuePage|ReportsPage' -benchtime 50x -timeout 60m ./web

# The learning replay: the localgovfaq dev queries (each half apart) and
# the English development set arrive as customers' mail at a real desk;
# agents answer what is not answered automatically with #answer KEY, the
# customers confirm, later customers ask again in their own words. Prints
# taught-before and never-taught coverage and precision per quarter for
# the fixed seed and for three seeds, and the out-of-domain check. The
# baseline: scripts/bench-learning-baseline.sh COMMIT runs the same replay
# against an older matcher. Built only with the faqbench tag.
bench-learning:
	$(GO) test -tags faqbench -count=1 -run 'TestLearningReplay' -v -timeout 60m ./desk

vet:
	$(GO) vet ./...
	# The files behind build tags (benchmarks of the FAQ and the learning
	# replay, the end-to-end suite) are vetted too, so that they keep
	# compiling when the code they drive changes.
	$(GO) vet -tags faqbench ./responder ./desk
	$(GO) vet -tags e2e ./e2e
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1)

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin e2e-artifacts
