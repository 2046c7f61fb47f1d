#!/usr/bin/env bash
# Installs Chromium from the OS packages (Debian: `chromium`) when /usr/bin/chromium is
# missing; the HTML report's test (tests/it/html.rs) renders the report in it. Needs root
# (or sudo) and apt-get; says so clearly when it cannot.
set -euo pipefail
chromium="${DEPUTY_AUDIT_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$chromium" ]; then
  exit 0
fi
echo "test: $chromium not found; installing Chromium with apt-get (the HTML report test renders in it)" >&2
sudo=()
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo=(sudo -n)
  else
    echo "test: cannot install Chromium: not root and no sudo; run 'apt-get install -y chromium' as root" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "test: cannot install Chromium: apt-get not found; install the distribution's chromium package so that $chromium exists" >&2
  exit 1
fi
if ! { "${sudo[@]}" apt-get update -q && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q chromium; } >&2; then
  echo "test: 'apt-get install -y chromium' failed; install it by hand (the HTML report test needs $chromium)" >&2
  exit 1
fi
if [ ! -x "$chromium" ]; then
  echo "test: chromium installed but $chromium is missing; set DEPUTY_AUDIT_CHROMIUM to its path" >&2
  exit 1
fi
