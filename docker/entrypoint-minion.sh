#!/bin/sh
# Writes /etc/brine/minion from BRINE_ID and BRINE_ROLES (comma-separated), then runs the minion.
set -eu
mkdir -p /etc/brine
if [ ! -f /etc/brine/minion ]; then
  {
    echo "id: ${BRINE_ID}"
    echo "master: ${BRINE_MASTER:-master}"
    echo "providers: {service: supervisor}"
    echo "grains:"
    echo "  roles: [${BRINE_ROLES}]"
  } > /etc/brine/minion
fi
exec node --lite-mode --no-expose-wasm --max-semi-space-size=1 /opt/brine/packages/cli/bin/brine.js minion
