#!/usr/bin/env bash
# Runs the learning replay of this tree (desk/learnbench_test.go and the
# out-of-domain mails) against the matcher and desk of another commit, so
# that a baseline is measured the same way as the current code: same
# stream, seeds, storage and report.
#
#   scripts/bench-learning-baseline.sh COMMIT [go test -args ...]
#
# The commit's tree is exported with git archive into a temporary
# directory beside a link to ../shared (no worktree is added, nothing in
# the repository changes). The commit must have the desk test fixture the
# replay uses (newFixtureWith, withTiers, agentMail), as every commit since
# issue 13 has.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 COMMIT [args for the replay]" >&2; exit 2; }
commit=$1
shift
root=$(git rev-parse --show-toplevel)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/repo"
git -C "$root" archive "$commit" | tar -x -C "$tmp/repo"
ln -s "$(cd "$root/.." && pwd)/shared" "$tmp/shared"
cp "$root/desk/learnbench_test.go" "$tmp/repo/desk/"
mkdir -p "$tmp/repo/responder/testdata/ood"
cp "$root"/responder/testdata/ood/* "$tmp/repo/responder/testdata/ood/"
echo "learning replay against the matcher of $(git -C "$root" rev-parse --short "$commit")"
cd "$tmp/repo"
args=()
[ $# -eq 0 ] || args=(-args "$@")
go test -tags faqbench -count=1 -run TestLearningReplay -v -timeout 60m ./desk "${args[@]}"
