#!/usr/bin/env bash
# Make sure headless Chromium from the OS packages is installed for the browser tests (tests/e2e).
# Playwright drives it through executable_path; we never let Playwright download a browser of its own.
set -euo pipefail
CHROMIUM=${QG_CHROMIUM:-/usr/bin/chromium}

if [ -x "$CHROMIUM" ]; then echo "Chromium is installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"; exit 0; fi

SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Chromium is not installed: installing it with apt-get"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
echo "Chromium is installed: $("$CHROMIUM" --version)"
