#!/usr/bin/env bash
# The whole test suite: lint, then pytest on the embedded default (SQLite file + embedded
# redis-server) and, when TEST_DATABASE_URL / TEST_REDIS_URL are set, again on those servers.
# The two passes share nothing (own temp folder, own database, own Redis), so they run side by
# side: the machine has two cores and each pass is mostly one Python process.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh --test

./scripts/lint.sh

if [ -z "${TEST_DATABASE_URL:-}${TEST_REDIS_URL:-}" ]; then
  echo "==> pytest: embedded default (SQLite + embedded Redis)"
  exec .venv/bin/python -m pytest "$@"
fi

log="$(mktemp -t sl-embedded-XXXXXX.log)"
echo "==> pytest: embedded default (SQLite + embedded Redis), in the background -> $log"
env -u TEST_DATABASE_URL -u TEST_REDIS_URL .venv/bin/python -m pytest "$@" >"$log" 2>&1 &
embedded=$!
trap 'kill "$embedded" 2>/dev/null || true' EXIT

echo "==> pytest: servers (${TEST_DATABASE_URL:-embedded SQLite} / ${TEST_REDIS_URL:-embedded Redis})"
servers_rc=0
.venv/bin/python -m pytest "$@" || servers_rc=$?

embedded_rc=0
wait "$embedded" || embedded_rc=$?
trap - EXIT
echo "==> pytest: embedded default (SQLite + embedded Redis): output"
cat "$log"
rm -f "$log"

echo "==> results: embedded pass exit ${embedded_rc}, servers pass exit ${servers_rc}"
[ "$embedded_rc" -eq 0 ] && [ "$servers_rc" -eq 0 ]
