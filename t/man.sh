#!/bin/sh
# SPDX-License-Identifier: MIT
# man.sh - the man pages document every option and config key, and only those
#
# Config keys come from the effective config that --check-config prints
# (the schema with every default filled in); options from --help.
. "$SRCDIR/t/lib.sh"

MAN5="$SRCDIR/man/tether.json.5"
MAN8="$SRCDIR/man/tether.8"

# key paths of a JSON document: a, a.b, list[].c
keys() {
	/usr/bin/python3 - "$1" <<'PY'
import json, sys
def walk(v, p):
    if isinstance(v, dict):
        for k, x in v.items():
            q = p + "." + k if p else k
            print(q)
            walk(x, q)
    elif isinstance(v, list):
        for x in v:
            walk(x, p + "[]")
walk(json.load(open(sys.argv[1])), "")
PY
}

documented=$(sed -n 's/^\.It Cm \([][a-z_.]*\).*/\1/p' "$MAN5" | sort -u)
seen=""
for f in "$SRCDIR"/conf/*.json; do
	role=$(basename "$f" .json)
	cp "$f" "$TMP/c.json"
	chmod 600 "$TMP/c.json"
	"$TETHER" --check-config --role="$role" -c "$TMP/c.json" \
		>"$TMP/eff.json" 2>/dev/null
	for k in $(keys "$TMP/eff.json" | sort -u); do
		seen="$seen $role:$k"
		echo "$documented" | grep -Fqx "$role.$k"
		ok $? "tether.json(5) documents $role key $k"
	done
done

# and documents nothing that does not exist
for d in $documented; do
	echo "$seen" | tr ' ' '\n' | sed 's/:/./' | grep -Fqx "$d"
	ok $? "tether.json(5) key $d exists"
done

# every option in --help is in tether(8), and vice versa; in mdoc,
# "Fl -role" (or "Fl \-role") renders as --role
opts=$("$TETHER" --help | grep -o -- '--[a-z-]*' | sort -u)
manopts=$(sed -n 's/\\//g; /^\.It Fl/p' "$MAN8" |
	grep -o 'Fl -[a-z-]*' | sed 's/^Fl /-/' | sort -u)
for o in $opts; do
	echo "$manopts" | grep -qx -- "$o"
	ok $? "tether(8) documents $o"
done
for o in $manopts; do
	echo "$opts" | grep -qx -- "$o"
	ok $? "tether(8) option $o exists"
done

# every command in --help has its entry in COMMANDS
for c in $("$TETHER" --help | sed -n 's/.*tether \([a-z][a-z]*\) | tether \([a-z][a-z]*\).*/\1 \2/p'); do
	grep -q "^\.It Cm $c\$" "$MAN8"
	ok $? "tether(8) documents the $c command"
done

done_testing
