#!/usr/bin/env bash
# Make this checkout runnable: a .venv with the pinned packages, plus the system packages
# the product and its tests need (a CJK font for posters; Chromium and poppler for tests).
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=0
[ "${1:-}" = "--test" ] && want_browser=1

apt_install() {
  local missing=("$@")
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "请手动安装系统软件包: ${missing[*]}" >&2
    return 1
  fi
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "==> installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

need=()
if ! fc-list :lang=zh file 2>/dev/null | grep -qi "wqy"; then need+=(fonts-wqy-microhei); fi
command -v fc-match >/dev/null 2>&1 || need+=(fontconfig)
if [ "$want_browser" = 1 ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
  command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
  command -v npm >/dev/null 2>&1 || need+=(nodejs npm)  # mini-program tests (miniprogram/)
fi
apt_install "${need[@]}"
# nginx only for `nginx -t` on deploy/nginx in the tests: unpacked into .tools, never started.
if [ "$want_browser" = 1 ] && ! command -v nginx >/dev/null 2>&1 && [ ! -x .tools/nginx/usr/sbin/nginx ]; then
  (r=$PWD; d=$(mktemp -d); mkdir -p "$r/.tools/nginx" && cd "$d" && apt-get download -qq nginx 2>/dev/null && dpkg -x nginx_*.deb "$r/.tools/nginx"; rm -rf "$d") || echo "nginx not unpacked: the nginx -t check will be skipped" >&2
fi

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $PY"
  "$PY" -m venv .venv
fi
stamp=.venv/.requirements.sha256
sum=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
  echo "==> installing Python packages (requirements.txt)"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
  echo "$sum" > "$stamp"
fi

# ESLint for the pages' scripts (tests only): the machine's node/npm, the committed lockfile.
if [ "$want_browser" = 1 ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "请安装 Node.js 与 npm（测试用 ESLint 需要）" >&2
    exit 1
  fi
  npm_stamp=node_modules/.package-lock.sha256
  npm_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ ! -f "$npm_stamp" ] || [ "$(cat "$npm_stamp")" != "$npm_sum" ]; then
    echo "==> installing npm packages (package-lock.json)"
    npm ci --no-audit --no-fund --silent
    echo "$npm_sum" > "$npm_stamp"
  fi
fi
# Mini-program tests (issue 20): jest + miniprogram-simulate, pinned by miniprogram/package-lock.json.
[ "$want_browser" = 1 ] && ./scripts/npm-ci.sh miniprogram
