#!/usr/bin/env bash
# Installs what the test suite needs beyond npm: Debian's Chromium (e2e tests, never a downloaded browser)
# and xmllint (libvirt RNG schema checks). Idempotent: does nothing when both are present.
# As root on Debian/Ubuntu it runs apt-get; otherwise it prints exactly what to install and exits 3.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need+=(chromium)
command -v xmllint >/dev/null 2>&1 || need+=(libxml2-utils)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-test-deps: missing ${need[*]}." >&2
  echo "setup-test-deps: install them as root on Debian: apt-get install -y --no-install-recommends ${need[*]}" >&2
  echo "setup-test-deps: (pcitopo drives Debian's /usr/bin/chromium; it never downloads a browser)" >&2
  exit 3
fi
echo "setup-test-deps: installing ${need[*]} with apt-get"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "setup-test-deps: apt-get failed" >&2
  exit 1
fi
echo "setup-test-deps: done"
