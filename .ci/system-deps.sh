#!/usr/bin/env bash
# Installs the Debian packages the browser tests and the caller's voice need, when any is missing.
set -euo pipefail
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
command -v Xvfb >/dev/null || need+=(xvfb)
command -v espeak-ng >/dev/null || need+=(espeak-ng)  # the caller's voice in call scenarios
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${need[*]}." >&2
  echo "Install them as root:  sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${need[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
