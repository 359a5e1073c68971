#!/bin/sh
# SPDX-License-Identifier: MIT
# units.sh - the systemd units in conf/ are valid and run what exists
#
# Each conf/*.service.in is filled in as make does, but with the built
# binary and a config directory holding the conf/ examples: systemd-analyze
# verify must accept it without a word, its ExecStart must pass
# --check-config, its ExecStopPost (the client's --cleanup) must run in a
# fresh network namespace, and ExecReload must name an executable. The
# units make built carry the install paths.
. "$SRCDIR/t/lib.sh"

for tool in systemd-analyze unshare; do
	command -v "$tool" >/dev/null || {
		echo "Bail out! $tool is missing: run scripts/install-deps"
		exit 1
	}
done

mkdir -p "$TMP/etc/tether" "$TMP/units"
for f in "$SRCDIR"/conf/*.json; do
	cp "$f" "$TMP/etc/tether/"
	chmod 600 "$TMP/etc/tether/$(basename "$f")"
done

# line KEY UNIT - the value of KEY= in UNIT
line() {
	sed -n "s/^$1=//p" "$2"
}

for in in "$SRCDIR"/conf/*.service.in; do
	unit=$(basename "$in" .in)
	u=$TMP/units/$unit
	sed -e "s|@sbindir@|$(dirname "$TETHER")|g" \
		-e "s|@sysconfdir@|$TMP/etc|g" "$in" >"$u"
	run systemd-analyze verify --man=no "$u"
	expect_rc 0 "systemd-analyze verify $unit"
	[ -z "$out$err" ] || echo "#   $out$err"
	ok "$([ -z "$out$err" ]; echo $?)" "$unit: no warnings"

	# shellcheck disable=SC2046
	run $(line ExecStart "$u") --check-config
	expect_rc 0 "$unit: ExecStart's command line passes --check-config"
	post=$(line ExecStopPost "$u")
	if [ -n "$post" ]; then
		# shellcheck disable=SC2086
		run unshare -n $post
		expect_rc 0 "$unit: ExecStopPost runs (nothing to undo)"
	fi
	reload=$(line ExecReload "$u")
	if [ -n "$reload" ]; then
		[ -x "${reload%% *}" ]
		ok $? "$unit: ExecReload's ${reload%% *} exists"
	fi
	for path in $(line ReadWritePaths "$u") $(line DeviceAllow "$u" |
		cut -d' ' -f1); do
		case $path in
		/run/tether) grep -q '^RuntimeDirectory=tether$' "$u" ;;
		*) [ -e "$path" ] ;;
		esac
		ok $? "$unit: $path exists (or systemd makes it)"
	done
done

# what make built has the install paths filled in
for unit in tether-client.service tether-server.service; do
	built=$(dirname "$TETHER")/conf/$unit
	grep -Eq "^ExecStart=/.*/sbin/tether --role=[a-z]+ -c /.*/tether/[a-z]+\.json$" \
		"$built"
	ok $? "the built $unit starts tether from sbindir with a config in sysconfdir"
	! grep -q '@[a-z]*@' "$built"
	ok $? "the built $unit has no placeholder left"
done

done_testing
