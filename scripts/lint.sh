#!/usr/bin/env bash
# Static checks run before the tests: ruff, the import contracts, mypy against its baseline,
# and ESLint over the pages' scripts. Needs `./scripts/bootstrap.sh --test` first.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> ruff"
.venv/bin/ruff check .

echo "==> import-linter (one-way imports between domains; pyproject.toml)"
.venv/bin/lint-imports --no-cache

echo "==> mypy (server/ and qr/, never worse than mypy-baseline.txt)"
.venv/bin/python scripts/mypy_baseline.py

echo "==> eslint (static/)"
node_modules/.bin/eslint static
