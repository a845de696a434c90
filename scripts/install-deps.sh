#!/usr/bin/env bash
# Installs the system packages Brine's tests and lab use (Debian; run as root). Idempotent.
set -euo pipefail
pkgs=(keepalived conntrackd conntrack nftables nginx iproute2 curl procps passwd util-linux bsdutils python3-jinja2 cron debconf-utils zip unzip gpg tar postgresql openssl systemd)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "system packages ready: ${pkgs[*]}"
