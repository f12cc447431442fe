#!/usr/bin/env bash
# The browser test drives a real headless Chromium (Debian's, through Playwright).
# Install Debian's chromium if it is missing (as root, on Debian/Ubuntu); anywhere
# else stop with one message saying what to install.
set -euo pipefail
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> Installing Debian's chromium for the browser test (apt-get)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
  exit 0
fi
echo "error: the browser test needs Chromium at $CHROMIUM: install your distribution's chromium package (or set CHROMIUM=/path/to/chromium)" >&2
exit 1
