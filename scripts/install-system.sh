#!/usr/bin/env bash
# Installs the Debian packages deskhand's demo and tests need, skipping apt when all are present.
set -euo pipefail
packages=(
  xvfb xauth openbox x11-utils xdotool procps
  fonts-dejavu-core fonts-noto-cjk
  fonts-urw-base35  # Arial's widths, which MiniWoB's pages are drawn in and the link rule measures
  chromium chromium-driver mousepad gnumeric dbus-x11
  postgresql  # the fleet store's tests start their own throwaway server (tests/fleet/conftest.py)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && { echo "system packages: all present"; exit 0; }
echo "system packages: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
