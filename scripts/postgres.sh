#!/usr/bin/env bash
# Starts and stops a throwaway PostgreSQL cluster on 127.0.0.1 for the tests
# (make test, make e2e) and the benchmarks. Everything lives under DIR: the
# data directory, the socket, the log. fsync is off: a test cluster that a
# crash may lose starts in about a second (POSTGRES_DURABLE=1 keeps it on).
# The system's clusters (/etc/postgresql, pg_ctlcluster) are never read or
# touched.
#
#   scripts/postgres.sh start DIR [PORT]   prints the DSN when it accepts
#   scripts/postgres.sh stop DIR
#
# Environment:
#   POSTGRES_PORT   fixed port (same as the PORT argument); default: a free one
#   PG_BIN          directory of initdb and pg_ctl; default: Debian's newest
#                   /usr/lib/postgresql/*/bin, else the PATH
#   POSTGRES_DURABLE  1: keep PostgreSQL's defaults (fsync, synchronous_commit,
#                   full_page_writes on), as a production server runs, for
#                   benchmarks that compare with SQLite's fsync'd commits
#                   (make bench-postgres)
#
# PostgreSQL refuses to run as root: as root (CI) the cluster runs as the
# postgres user, and DIR and every directory above it must be traversable
# by that user (chmod o+x). As an ordinary user, it runs as that user.
# The DSN names the superuser "postgres" with trust authentication on
# loopback: for tests only.
set -euo pipefail

die() { echo "postgres.sh: $*" >&2; exit 1; }

usage() { die "usage: $0 start DIR [PORT] | stop DIR"; }

main() {
	[ $# -ge 2 ] || usage
	local cmd=$1 dir=$2
	case $cmd in
	start) start "$dir" "${3:-${POSTGRES_PORT:-}}" ;;
	stop) stop "$dir" ;;
	*) usage ;;
	esac
}

bindir() {
	if [ -n "${PG_BIN:-}" ]; then
		echo "$PG_BIN"
		return
	fi
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
	if [ -n "$d" ] && [ -x "$d/initdb" ]; then
		echo "$d"
		return
	fi
	command -v initdb >/dev/null 2>&1 ||
		die "PostgreSQL is not installed (apt-get install -y postgresql)"
	dirname "$(command -v initdb)"
}

# as runs a command as the cluster's user.
as() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

start() {
	local dir=$1 port=$2 bin
	bin=$(bindir)
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	if [ "$(id -u)" -eq 0 ]; then
		id postgres >/dev/null 2>&1 || die "user postgres is missing (is postgresql installed?)"
		chown postgres: "$dir"
		runuser -u postgres -- test -x "$dir" ||
			die "$dir is not traversable by user postgres: chmod o+x it and its parents"
	fi
	[ -f "$dir/data/postmaster.pid" ] && as "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1 &&
		die "a PostgreSQL already runs from $dir (stop it first)"
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		# C.UTF-8: text compares byte for byte (the columns say so too) and
		# pg_trgm reads Japanese as letters.
		as "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
			>"$dir/initdb.log" 2>&1 || { tail -n 20 "$dir/initdb.log" >&2; die "initdb failed (log: $dir/initdb.log)"; }
	fi
	local fixed=$port tries=0 fast="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	[ "${POSTGRES_DURABLE:-}" = 1 ] && fast=""
	while :; do
		tries=$((tries + 1))
		[ -n "$fixed" ] || port=$(free_port)
		if as "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 30 \
			-o "-c listen_addresses=127.0.0.1 -p $port -k $dir $fast -c max_connections=200" \
			start >/dev/null 2>&1; then
			echo "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
			return 0
		fi
		if [ -n "$fixed" ] || [ "$tries" -ge 3 ]; then
			tail -n 20 "$dir/postgres.log" >&2 || true
			die "PostgreSQL did not start on 127.0.0.1:$port (log: $dir/postgres.log)"
		fi
	done
}

free_port() {
	local p i
	for i in $(seq 1 50); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	die "no free port found"
}

stop() {
	local dir=$1 bin
	[ -f "$dir/data/postmaster.pid" ] || return 0
	bin=$(bindir)
	as "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
}

main "$@"
