#!/usr/bin/env bash
# The two README commands:
#   bash scripts/run.sh audit [harness audit options]   set up if needed, then audit the seed pack
#   bash scripts/run.sh test  [pytest options]          set up if needed, then run the whole suite
set -euo pipefail
cd "$(dirname "$0")/.."
cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
  audit)
    bash scripts/setup.sh
    exec .venv/bin/harness audit "$@"
    ;;
  test)
    bash scripts/setup.sh
    set +e
    .venv/bin/python -m pytest "$@"
    status=$?
    set -e
    # pytest exits 5 when it collected nothing: that is a failure of the suite, not a pass
    [ "$status" -eq 5 ] && echo "run.sh: pytest collected no tests" >&2
    exit "$status"
    ;;
  *)
    echo "usage: bash scripts/run.sh audit|test [options]" >&2
    exit 2
    ;;
esac
