#!/bin/sh
# Installs the Debian packages the test suite needs, when running as root and they are missing.
# iproute2: the mDNS tests build network namespaces; coturn: the TURN interop tests. The list grows
# with the interop issues (chromium, iptables).
set -eu
PACKAGES="iproute2 coturn chromium iptables"
missing=""
for p in $PACKAGES; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "system-deps: missing$missing (not root: install them yourself)" >&2
    exit 0
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
