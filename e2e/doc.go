// Package e2e runs the madoguchi binary against a real Dovecot (started
// privately on loopback by scripts/dovecot.sh) and a real in-process SMTP
// server. The tests sit behind the build tag e2e:
//
//	go test -tags e2e -count=1 -timeout 20m ./e2e/...
//
// Dovecot must be installed (apt-get install -y dovecot-imapd); .ci/run
// installs it.
package e2e
