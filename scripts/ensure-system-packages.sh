#!/usr/bin/env bash
# Makes sure the Debian packages the server and its tests use are installed:
#   chromium (+ a font)  browser tests (tests/web/): Playwright drives /usr/bin/chromium through
#                        `executable_path`, since `playwright install` cannot download here
#   git                  Git imports (figtrail.server.imports) and their tests
#   openssh-client       Git imports over SSH
#   tesseract-ocr        OCR of figure titles for revision/auto-assign/ (server/catalog/image_reading.py)
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium fonts-dejavu-core)
command -v git >/dev/null || missing+=(git)
command -v ssh >/dev/null || missing+=(openssh-client)
command -v tesseract >/dev/null || missing+=(tesseract-ocr)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-system-packages: missing ${missing[*]}; as root run: apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 0
fi
echo "ensure-system-packages: installing ${missing[*]} with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
