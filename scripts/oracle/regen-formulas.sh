#!/usr/bin/env bash
# Regenerate test/fixtures/formulas/*/expected/ from a Salt oracle. A maintainer's tool: tests and CI never run it.
#
#   scripts/oracle/regen-formulas.sh [TREE...]        (default: every tree under test/fixtures/formulas)
#
# $SALT_ORACLE is a command called as `$SALT_ORACLE STATES PILLAR SLS GRAINS_JSON` that prints Salt's
# `salt-call --local state.show_low_sls SLS --out json` ({"local": ...}) and exits non-zero when Salt refuses
# the SLS; default /work/oracle/bin/show-low. Every *.sls under a tree's states/ is one SLS to regenerate:
# expected/<sls>.json holds the `local` value, or expected/<sls>.error.txt Salt's error strings when it refuses.
set -euo pipefail

ORACLE=${SALT_ORACLE:-/work/oracle/bin/show-low}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BASE=$ROOT/test/fixtures/formulas

if [ $# -gt 0 ]; then trees=("$@"); else mapfile -t trees < <(cd "$BASE" && ls -d -- */ | sed 's#/$##'); fi

# SLS names of a state tree: a/b.sls -> a.b, a/b/init.sls -> a.b (top.sls is not an SLS to render).
sls_names() {
  (cd "$1" && find . -name '*.sls' ! -path './top.sls' | sed -e 's#^\./##' -e 's#/init\.sls$##' -e 's#\.sls$##' -e 's#/#.#g' | LC_ALL=C sort -u)
}

for tree in "${trees[@]}"; do
  dir=$BASE/${tree%/}
  [ -d "$dir/states" ] || { echo "skip $tree: no states/" >&2; continue; }
  rm -rf "$dir/expected"
  mkdir -p "$dir/expected"
  for sls in $(sls_names "$dir/states"); do
    set +e
    out=$("$ORACLE" "$dir/states" "$dir/pillar" "$sls" "$dir/grains.json" 2>/dev/null)
    rc=$?
    set -e
    if [ $rc -eq 0 ]; then
      printf '%s' "$out" | python3 -c '
import json, sys
local = json.load(sys.stdin)["local"]
with open(sys.argv[1], "w", encoding="utf-8") as f:
    json.dump(local, f, indent=2, ensure_ascii=False)
    f.write("\n")
' "$dir/expected/$sls.json"
      echo "$tree: $sls"
    else
      printf '%s' "$out" | python3 -c '
import json, sys
text = sys.stdin.read()
try:
    local = json.loads(text)["local"]
    lines = local if isinstance(local, list) else [json.dumps(local)]
except Exception:
    lines = [text]
with open(sys.argv[1], "w", encoding="utf-8") as f:
    f.write("\n".join(str(l) for l in lines).rstrip("\n") + "\n")
' "$dir/expected/$sls.error.txt"
      echo "$tree: $sls REFUSED by Salt (exit $rc)"
    fi
  done
done
