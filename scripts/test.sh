#!/usr/bin/env bash
# The whole test suite: lint, then pytest on the embedded default (SQLite file + embedded
# redis-server), then, when TEST_DATABASE_URL / TEST_REDIS_URL are set, again on those servers.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh --test

echo "==> ruff"
.venv/bin/ruff check .

echo "==> pytest: embedded default (SQLite + embedded Redis)"
env -u TEST_DATABASE_URL -u TEST_REDIS_URL .venv/bin/python -m pytest "$@"

if [ -n "${TEST_DATABASE_URL:-}${TEST_REDIS_URL:-}" ]; then
  echo "==> pytest: servers (${TEST_DATABASE_URL:-embedded SQLite} / ${TEST_REDIS_URL:-embedded Redis})"
  .venv/bin/python -m pytest "$@"
fi
