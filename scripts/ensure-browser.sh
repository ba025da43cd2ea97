#!/usr/bin/env bash
# Makes sure Debian's chromium is at /usr/bin/chromium for the browser tests (tests/web/).
# Playwright drives it through `executable_path`; its own `playwright install` cannot download here.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-browser: $CHROMIUM is missing; as root run: apt-get update && apt-get install -y chromium (browser tests will be skipped)" >&2
  exit 0
fi
echo "ensure-browser: installing Debian's chromium with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
test -x "$CHROMIUM"
