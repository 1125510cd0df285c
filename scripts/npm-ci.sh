#!/usr/bin/env bash
# `npm ci` in one folder (argument) when its package-lock.json changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/../$1"
stamp=node_modules/.package-lock.sha256
sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
  echo "==> installing npm packages in $1 (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$sum" > "$stamp"
fi
