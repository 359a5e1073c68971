#!/bin/sh
# SPDX-License-Identifier: MIT
# noise_interop.sh - our Noise IK against dissononce, in both roles
#
#   t/noise_interop.py (dissononce)  <-- hex lines -->  t/unit/noise_peer (C)
#
# Both directions: C client with a Python server, Python client with a C
# server; same transport keys, a data message each way, and refusals of
# tampered or unknown handshakes. Needs Debian's python3-dissononce.
. "$SRCDIR/t/lib.sh"

peer="$(dirname "$TETHER")/t/unit/noise_peer"
if ! /usr/bin/python3 -c 'import dissononce' 2>/dev/null; then
	echo "1..0 # SKIP python3-dissononce is not installed"
	exit 0
fi
if [ ! -x "$peer" ]; then
	echo "Bail out! $peer is not built (make check builds it)"
	exit 1
fi
echo "# \$ /usr/bin/python3 $SRCDIR/t/noise_interop.py $peer"
exec /usr/bin/python3 "$SRCDIR/t/noise_interop.py" "$peer"
