#!/bin/sh
# SPDX-License-Identifier: MIT
# conf_examples.sh - every example in conf/ passes --check-config
#
# conf/ROLE.json is the example for ROLE; the effective config printed
# must be JSON and carry the defaults the example leaves out.
. "$SRCDIR/t/lib.sh"

for f in "$SRCDIR"/conf/*.json; do
	role=$(basename "$f" .json)
	# a copy with mode 600, as a user would install it
	cp "$f" "$TMP/$role.json"
	chmod 600 "$TMP/$role.json"
	run "$TETHER" --check-config --role="$role" -c "$TMP/$role.json"
	expect_rc 0 "conf/$role.json is valid"
	expect_err "valid $role config" "conf/$role.json: confirmed on stderr"
	printf '%s' "$out" >"$TMP/$role.out"
	/usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1]))' \
		"$TMP/$role.out"
	ok $? "conf/$role.json: effective config is JSON"
	expect_out '"log_level": "info"' "conf/$role.json: defaults filled in"
done

done_testing
