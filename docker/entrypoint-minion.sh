#!/bin/sh
# Regenerates /etc/brine/minion on every start, from docker/minion.conf.example (the image's base settings) plus
# BRINE_ID, BRINE_ROLES (comma-separated) and BRINE_MASTER: a changed environment takes effect on restart, even
# when /etc/brine is a volume that already holds an older config. The minion's keys in the volume are kept.
set -eu
: "${BRINE_ID:?set BRINE_ID (the minion id)}"
: "${BRINE_ROLES:?set BRINE_ROLES (comma-separated roles, e.g. nginx)}"
mkdir -p /etc/brine
tmp=/etc/brine/.minion.$$
{
  cat /opt/brine/docker/minion.conf.example
  echo "id: ${BRINE_ID}"
  echo "master: ${BRINE_MASTER:-master}"
  echo "grains:"
  echo "  roles: [${BRINE_ROLES}]"
} > "$tmp"
mv "$tmp" /etc/brine/minion
exec node --lite-mode --no-expose-wasm --max-semi-space-size=1 /opt/brine/packages/cli/bin/brine.js minion
