#!/usr/bin/env bash
# setup-real.sh - install what `pcitopo verify` and the real-check stage need (Debian 12 / bookworm):
#   libvirt-clients             virsh, virt-xml-validate
#   libvirt-daemon-driver-qemu  libvirt's QEMU driver, loaded inside virsh for qemu:///embed (no libvirtd)
#   libxml2-utils               xmllint (virt-xml-validate runs it)
#   qemu-system-ppc qemu-system-x86 qemu-system-arm   pseries / q35 / aarch64 virt emulators
#   ipxe-qemu                   NIC option ROMs: QEMU refuses virtio-net/e1000 without them
# Idempotent: exits 0 without touching apt (not even `apt-get update`) when everything is there.
# Exit: 0 ready; 1 apt-get failed; 3 cannot install here (not root, or not Debian): prints what to install.
set -uo pipefail
PKGS=(libvirt-clients libvirt-daemon-driver-qemu libxml2-utils qemu-system-ppc qemu-system-x86 qemu-system-arm ipxe-qemu)
INSTALL="apt-get install -y --no-install-recommends ${PKGS[*]}"

tools_present() {
  local b
  for b in virsh virt-xml-validate xmllint qemu-system-ppc64 qemu-system-x86_64 qemu-system-aarch64; do
    command -v "$b" >/dev/null 2>&1 || return 1
  done
  local f found=0
  for f in /usr/lib/*/libvirt/connection-driver/libvirt_driver_qemu.so /usr/lib*/libvirt/connection-driver/libvirt_driver_qemu.so; do
    [ -e "$f" ] && found=1
  done
  [ $found = 1 ] || return 1
  [ -e /usr/lib/ipxe/qemu/efi-virtio.rom ] || [ -e /usr/share/qemu/efi-virtio.rom ] || return 1
  if [ "$(id -u)" -eq 0 ]; then command -v runuser >/dev/null 2>&1 || return 1; fi
  return 0
}

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ] && tools_present; then
    echo "setup-real: all ${#PKGS[@]} packages installed"
    exit 0
  fi
elif tools_present; then
  echo "setup-real: virsh, the libvirt QEMU driver and the QEMU emulators are present"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-real: cannot install here: not a Debian/Ubuntu system (no apt-get)." >&2
  echo "setup-real: install libvirt's client tools (virsh, virt-xml-validate), libvirt's QEMU driver, xmllint," >&2
  echo "setup-real: qemu-system-ppc64, qemu-system-x86_64, qemu-system-aarch64 and the iPXE NIC ROMs; on Debian:" >&2
  echo "  $INSTALL" >&2
  exit 3
fi
[ ${#missing[@]} -gt 0 ] || missing=("${PKGS[@]}")   # packages present but a tool is not: reinstall the set
if [ "$(id -u)" -ne 0 ]; then
  echo "setup-real: missing packages: ${missing[*]}" >&2
  echo "setup-real: not root, so not installing; run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 3
fi
export DEBIAN_FRONTEND=noninteractive
echo "setup-real: installing ${missing[*]}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "setup-real: apt-get failed; to install by hand:" >&2
  echo "  apt-get update && $INSTALL" >&2
  exit 1
fi
if ! tools_present; then
  echo "setup-real: packages installed but a tool is still missing (virsh, emulators, libvirt_driver_qemu.so, efi-virtio.rom)" >&2
  exit 1
fi
echo "setup-real: done"
