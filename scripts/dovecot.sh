#!/usr/bin/env bash
# Starts and stops a private Dovecot (IMAP only, plain LOGIN, no TLS) on
# 127.0.0.1 for the end-to-end tests. Everything lives under DIR; the system
# configuration in /etc/dovecot is never read or touched.
#
#   scripts/dovecot.sh start DIR [PORT]   prints 127.0.0.1:PORT when it accepts
#   scripts/dovecot.sh stop DIR
#
# Environment:
#   DOVECOT_PORT    fixed port (same as the PORT argument); default: a free one
#   DOVECOT_USERS   space-separated user:password pairs; default "support:secret"
#
# As root (CI), Dovecot's login processes refuse to run as root, so they run
# as dovenull and the mail users get the dovecot uid/gid. DIR and every
# directory above it must be traversable by that user (chmod o+x).
# As an ordinary user, everything runs as that user.
set -euo pipefail

die() { echo "dovecot.sh: $*" >&2; exit 1; }

usage() { die "usage: $0 start DIR [PORT] | stop DIR"; }

main() {
	[ $# -ge 2 ] || usage
	local cmd=$1 dir=$2
	case $cmd in
	start) start "$dir" "${3:-${DOVECOT_PORT:-}}" ;;
	stop) stop "$dir" ;;
	*) usage ;;
	esac
}

start() {
	local dir=$1 port=$2
	command -v dovecot >/dev/null 2>&1 ||
		die "dovecot is not installed (apt-get install -y dovecot-imapd)"
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	[ -e "$dir/run/master.pid" ] && kill -0 "$(cat "$dir/run/master.pid")" 2>/dev/null &&
		die "a Dovecot already runs from $dir (stop it first)"

	local mail_user login_user internal_user chroot=yes
	if [ "$(id -u)" -eq 0 ]; then
		mail_user=dovecot login_user=dovenull internal_user=dovecot chroot=yes
		id dovenull >/dev/null 2>&1 || die "user dovenull is missing (is dovecot-core installed?)"
		runuser -u "$mail_user" -- test -x "$dir" ||
			die "$dir is not traversable by user $mail_user: chmod o+x it and its parents"
	else
		# chroot needs root: without it the login and anvil processes
		# would fail to start.
		mail_user=$(id -un) login_user=$(id -un) internal_user=$(id -un) chroot=
	fi
	local uid gid
	uid=$(id -u "$mail_user")
	gid=$(id -g "$mail_user")

	mkdir -p "$dir/mail"
	: >"$dir/users"
	local pair user pass
	for pair in ${DOVECOT_USERS:-support:secret}; do
		user=${pair%%:*} pass=${pair#*:}
		[ -n "$user" ] && [ "$user" != "$pair" ] || die "DOVECOT_USERS: bad entry \"$pair\" (want user:password)"
		mkdir -p "$dir/mail/$user"
		echo "$user:{PLAIN}$pass:$uid:$gid::$dir/mail/$user::" >>"$dir/users"
	done
	chown -R "$uid:$gid" "$dir/mail"
	chmod 0644 "$dir/users"

	# Without a fixed port, probe for a free one; a lost race shows up as a
	# failed start and is retried with another port.
	local fixed=$port tries=0
	while :; do
		tries=$((tries + 1))
		[ -n "$fixed" ] || port=$(free_port)
		write_conf "$dir" "$port" "$login_user" "$internal_user" "$uid" "$gid" "$chroot"
		if dovecot -c "$dir/dovecot.conf" 2>>"$dir/dovecot.log" && wait_port "$port"; then
			echo "127.0.0.1:$port"
			return 0
		fi
		stop "$dir" >/dev/null 2>&1 || true
		if [ -n "$fixed" ] || [ "$tries" -ge 3 ]; then
			tail -n 20 "$dir/dovecot.log" >&2 || true
			die "Dovecot did not start on 127.0.0.1:$port (log: $dir/dovecot.log)"
		fi
	done
}

write_conf() {
	local dir=$1 port=$2 login_user=$3 internal_user=$4 uid=$5 gid=$6 chroot=$7
	cat >"$dir/dovecot.conf" <<EOF
# Written by scripts/dovecot.sh for tests: loopback only, plain LOGIN, no TLS.
base_dir = $dir/run
state_dir = $dir/state
instance_name = madoguchi-test-$port
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = $login_user
default_internal_user = $internal_user
default_internal_group = $(id -gn "$internal_user")
first_valid_uid = $uid
last_valid_uid = $uid
first_valid_gid = $gid
last_valid_gid = $gid
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log
mail_location = maildir:~/Maildir
# The tests kill madoguchi, never Dovecot: its own fsyncs only slow APPEND.
mail_fsync = never
# A refused login is a test case; do not make it wait the default 2 s.
auth_failure_delay = 0
namespace inbox {
  inbox = yes
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN $dir/users
}
userdb {
  driver = passwd-file
  args = $dir/users
}
service imap-login {
  chroot = ${chroot:+login}
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot = ${chroot:+empty}
  # Many short logins from one address are the tests' normal, not an attack.
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
EOF
	mkdir -p "$dir/state"
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

wait_port() {
	local port=$1 i
	for i in $(seq 1 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

stop() {
	local dir=$1 pidfile pid i
	pidfile=$dir/run/master.pid
	[ -f "$pidfile" ] || return 0
	pid=$(cat "$pidfile")
	kill "$pid" 2>/dev/null || { rm -f "$pidfile"; return 0; }
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; return 0; }
		sleep 0.05
	done
	kill -9 "$pid" 2>/dev/null || true
	rm -f "$pidfile"
}

main "$@"
