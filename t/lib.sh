# SPDX-License-Identifier: MIT
# lib.sh - TAP helpers for tether's shell tests (sourced, not run)
#
# Every check prints one TAP line; `done_testing` prints the plan and sets
# the exit status. Commands are echoed as TAP comments before they run, so
# a failing log reads like a lab notebook.

: "${TETHER:?TETHER must name the built binary}"
: "${SRCDIR:?SRCDIR must name the source tree}"

tap_n=0
tap_failed=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tether-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# ok STATUS DESCRIPTION - a test point passes when STATUS is 0
ok() {
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

# run CMD... - run a command, keep its exit code in $rc, output in $out/$err
run() {
	echo "# \$ $*"
	rc=0
	"$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
	out=$(cat "$TMP/out")
	err=$(cat "$TMP/err")
}

# expect_rc WANT DESCRIPTION - check the last run's exit code
expect_rc() {
	[ "$rc" -eq "$1" ]
	s=$?
	[ $s -eq 0 ] || echo "#   exit code $rc, want $1; stderr: $err"
	ok $s "$2"
}

# expect_err TEXT DESCRIPTION - the last run's stderr contains TEXT
expect_err() {
	case "$err" in
	*"$1"*) ok 0 "$2" ;;
	*) echo "#   stderr lacks: $1"; echo "#   stderr: $err"; ok 1 "$2" ;;
	esac
}

# expect_out TEXT DESCRIPTION - the last run's stdout contains TEXT
expect_out() {
	case "$out" in
	*"$1"*) ok 0 "$2" ;;
	*) echo "#   stdout lacks: $1"; echo "#   stdout: $out"; ok 1 "$2" ;;
	esac
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
