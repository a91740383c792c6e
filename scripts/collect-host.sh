#!/usr/bin/env bash
# collect-host.sh: describe this host's PCI devices as libvirt node-device XML, for hosts without
# libvirt. Reads sysfs only (no root needed; root lets it read full config space). See --help.
#
# The output is what `virsh nodedev-dumpxml` prints for each PCI function (libvirt
# docs/formatnode.rst, src/conf/schemas/nodedev.rng), wrapped in one <devices> root so that it is
# a single well-formed document other XML tools can read too; pcitopo's --host reads it as is.
set -u
shopt -u patsub_replacement 2>/dev/null || true
export LC_ALL=C

usage() {
  cat <<'EOF'
Usage: collect-host.sh [--help] > host.xml

Writes the PCI devices of this host as libvirt node-device XML (one <device> per PCI function,
as `virsh nodedev-dumpxml` prints it, all inside one <devices> root) for pcitopo --host or the
pcitopo "import host" button. Reads:
  $SYSFS_ROOT/sys/bus/pci/devices/*      address, class, ids, driver, NUMA node, SR-IOV links
  $SYSFS_ROOT/sys/kernel/iommu_groups/*  IOMMU groups and their members
  config space                           PCI Express capability, bridge header type
Vendor and product names come from `lspci -mm` when it is installed (and SYSFS_ROOT is not set).

Environment:
  SYSFS_ROOT  directory that holds sys/ (default: empty, the running system's /sys)
  LSPCI       lspci command to use for names (default: lspci on the real system; none with SYSFS_ROOT)

Exit status: 0 when at least one PCI device was written, 1 when none was found, 2 on bad usage.
Run as root to read full config space; without it the PCI Express flag falls back to the
presence of max_link_speed.
EOF
}

case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  '') ;;
  *) echo "collect-host.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
esac

SYSFS_ROOT=${SYSFS_ROOT:-}
DEVICES="$SYSFS_ROOT/sys/bus/pci/devices"
GROUPS_DIR="$SYSFS_ROOT/sys/kernel/iommu_groups"
if [ -z "${LSPCI+x}" ]; then
  if [ -z "$SYSFS_ROOT" ] && command -v lspci >/dev/null 2>&1; then LSPCI=lspci; else LSPCI=; fi
fi
# Physical path of SYSFS_ROOT, stripped from <path> so it reads /sys/devices/... as on the host.
ROOT_REAL=
[ -n "$SYSFS_ROOT" ] && ROOT_REAL=$(cd -P "$SYSFS_ROOT" 2>/dev/null && pwd -P)

xml_escape() { # sets ESC
  local s=$1
  s=${s//&/&amp;}; s=${s//</&lt;}; s=${s//>/&gt;}; s=${s//\'/&apos;}; s=${s//\"/&quot;}
  ESC=$s
}

read_file() { # read_file VAR FILE: first line of FILE, empty when missing or unreadable
  local _v=
  [ -r "$2" ] && IFS= read -r _v < "$2" 2>/dev/null
  printf -v "$1" '%s' "$_v"
}

link_base() { # link_base VAR LINK: basename of a symlink's target, empty when not a link
  local _t=
  [ -L "$2" ] && _t=$(readlink "$2")
  printf -v "$1" '%s' "${_t##*/}"
}

is_pci_address() { [[ $1 =~ ^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$ ]]; }

hex_attrs() { # hex_attrs dddd:bb:ss.f -> prints the <address/> element
  local a=$1
  printf "<address domain='0x%s' bus='0x%s' slot='0x%s' function='0x%s'/>" \
    "${a:0:4}" "${a:5:2}" "${a:8:2}" "${a:11:1}"
}

# Reads config space into CFG (decimal bytes); CFG_LEN = how many could be read. Unprivileged
# reads of config return only the first 64 bytes, so every access below checks CFG_LEN.
read_config() {
  CFG=(); CFG_LEN=0
  [ -r "$1/config" ] || return 0
  # shellcheck disable=SC2207
  CFG=($(od -An -tu1 -v -N 256 "$1/config" 2>/dev/null))
  CFG_LEN=${#CFG[@]}
}

# PCIE = yes|no|unknown: walks the capability list (PCI spec: status bit 4 at 0x06 says there is
# one, its head at 0x34, each entry = id, next) looking for the PCI Express capability (id 0x10).
find_pcie() {
  PCIE=unknown
  [ "$CFG_LEN" -ge 64 ] || return 0
  if (( (CFG[6] & 0x10) == 0 )); then PCIE=no; return 0; fi
  local ptr=$(( CFG[0x34] & 0xfc )) hops=0
  while (( ptr != 0 && hops < 48 )); do
    (( ptr + 1 < CFG_LEN )) || return 0 # beyond what we may read: unknown
    if (( CFG[ptr] == 0x10 )); then PCIE=yes; return 0; fi
    ptr=$(( CFG[ptr + 1] & 0xfc )); hops=$(( hops + 1 ))
  done
  PCIE=no
}

# speed as libvirt writes it: "8.0 GT/s PCIe" -> 8, "2.5 GT/s" -> 2.5
link_speed() {
  local s=${1%% *}
  s=${s%.0}
  [[ $s =~ ^[0-9]+(\.[0-9]+)?$ ]] && printf '%s' "$s"
}

emit_device() {
  local dev=$1 addr=${1##*/}
  local name="pci_${addr//[:.]/_}"
  local real path parent parent_addr driver class vendor product numa group totalvfs physfn
  local header=-1 vendor_name= product_name= i vf line members m

  real=$(cd -P "$dev" 2>/dev/null && pwd -P) || real=$dev
  path=$real
  [ -n "$ROOT_REAL" ] && path=${real#"$ROOT_REAL"}
  parent_addr=${real%/*}; parent_addr=${parent_addr##*/}
  if is_pci_address "$parent_addr"; then parent="pci_${parent_addr//[:.]/_}"; else parent=computer; fi

  link_base driver "$dev/driver"
  read_file class "$dev/class"
  read_file vendor "$dev/vendor"
  read_file product "$dev/device"
  read_file numa "$dev/numa_node"
  read_file totalvfs "$dev/sriov_totalvfs"
  link_base group "$dev/iommu_group"
  link_base physfn "$dev/physfn"

  read_config "$dev"
  find_pcie
  if [ "$PCIE" = unknown ]; then
    # The kernel shows max_link_speed only for PCI Express devices (pcie_dev_attrs).
    if [ -e "$dev/max_link_speed" ]; then PCIE=yes; else PCIE=no; fi
  fi
  if [ "$CFG_LEN" -gt 14 ]; then
    header=$(( CFG[14] & 0x7f ))
  else
    # No header type readable: PCI-to-PCI and CardBus bridge class codes say the same.
    case "$class" in 0x0604*|0x0609*) header=1 ;; 0x0607*) header=2 ;; esac
  fi

  if [ -n "$LSPCI" ]; then
    line=$("$LSPCI" -mm -s "$addr" 2>/dev/null | head -n 1)
    # 01:00.0 "Class" "Vendor" "Device" -rXX "SVendor" "SDevice"
    if [[ $line =~ ^[^\"]*\"[^\"]*\"\ +\"([^\"]*)\"\ +\"([^\"]*)\" ]]; then
      vendor_name=${BASH_REMATCH[1]}; product_name=${BASH_REMATCH[2]}
    fi
  fi

  printf '<device>\n'
  xml_escape "$name"; printf '  <name>%s</name>\n' "$ESC"
  xml_escape "$path"; printf '  <path>%s</path>\n' "$ESC"
  printf '  <parent>%s</parent>\n' "$parent"
  if [ -n "$driver" ]; then
    xml_escape "$driver"; printf '  <driver>\n    <name>%s</name>\n  </driver>\n' "$ESC"
  fi
  printf "  <capability type='pci'>\n"
  if [[ $class =~ ^0x[0-9a-fA-F]{1,6}$ ]]; then printf '    <class>0x%06x</class>\n' "$class"; fi
  printf '    <domain>%d</domain>\n    <bus>%d</bus>\n    <slot>%d</slot>\n    <function>%d</function>\n' \
    "$((16#${addr:0:4}))" "$((16#${addr:5:2}))" "$((16#${addr:8:2}))" "$((16#${addr:11:1}))"
  xml_escape "$product"; local pid=$ESC
  xml_escape "$product_name"
  if [ -n "$ESC" ]; then printf "    <product id='%s'>%s</product>\n" "$pid" "$ESC"; else printf "    <product id='%s'/>\n" "$pid"; fi
  xml_escape "$vendor"; local vid=$ESC
  xml_escape "$vendor_name"
  if [ -n "$ESC" ]; then printf "    <vendor id='%s'>%s</vendor>\n" "$vid" "$ESC"; else printf "    <vendor id='%s'/>\n" "$vid"; fi
  if is_pci_address "$physfn"; then
    printf "    <capability type='phys_function'>\n      %s\n    </capability>\n" "$(hex_attrs "$physfn")"
  fi
  local vfs=()
  i=0
  while [ -L "$dev/virtfn$i" ]; do
    link_base vf "$dev/virtfn$i"
    is_pci_address "$vf" && vfs+=("$vf")
    i=$((i + 1))
  done
  if [[ $totalvfs =~ ^[0-9]+$ ]] && (( totalvfs > 0 )) || (( ${#vfs[@]} > 0 )); then
    local max=
    [[ $totalvfs =~ ^[0-9]+$ ]] && (( totalvfs > 0 )) && max=" maxCount='$totalvfs'"
    if (( ${#vfs[@]} == 0 )); then
      printf "    <capability type='virt_functions'%s/>\n" "$max"
    else
      printf "    <capability type='virt_functions'%s>\n" "$max"
      for vf in "${vfs[@]}"; do printf '      %s\n' "$(hex_attrs "$vf")"; done
      printf '    </capability>\n'
    fi
  fi
  case "$header" in
    1) printf "    <capability type='pci-bridge'/>\n" ;;
    2) printf "    <capability type='cardbus-bridge'/>\n" ;;
  esac
  if [[ $group =~ ^[0-9]+$ ]]; then
    members=$GROUPS_DIR/$group/devices
    [ -d "$members" ] || members=$dev/iommu_group/devices
    printf "    <iommuGroup number='%s'>\n" "$group"
    local listed=0
    if [ -d "$members" ]; then
      for m in "$members"/*; do
        m=${m##*/}
        is_pci_address "$m" || continue
        printf '      %s\n' "$(hex_attrs "$m")"; listed=1
      done
    fi
    (( listed )) || printf '      %s\n' "$(hex_attrs "$addr")"
    printf '    </iommuGroup>\n'
  fi
  if [[ $numa =~ ^[0-9]+$ ]]; then printf "    <numa node='%s'/>\n" "$numa"; fi
  if [ "$PCIE" = yes ]; then
    local ms mw cs cw
    read_file ms "$dev/max_link_speed"; read_file mw "$dev/max_link_width"
    read_file cs "$dev/current_link_speed"; read_file cw "$dev/current_link_width"
    ms=$(link_speed "$ms"); cs=$(link_speed "$cs")
    if [[ $mw =~ ^[0-9]+$ ]]; then
      printf '    <pci-express>\n'
      printf "      <link validity='cap'%s width='%s'/>\n" "${ms:+ speed='$ms'}" "$mw"
      [[ $cw =~ ^[0-9]+$ ]] && printf "      <link validity='sta'%s width='%s'/>\n" "${cs:+ speed='$cs'}" "$cw"
      printf '    </pci-express>\n'
    else
      printf '    <pci-express/>\n'
    fi
  fi
  printf '  </capability>\n</device>\n'
}

addresses=()
if [ -d "$DEVICES" ]; then
  for d in "$DEVICES"/*; do
    a=${d##*/}
    is_pci_address "$a" && addresses+=("$a")
  done
fi
if (( ${#addresses[@]} == 0 )); then
  echo "collect-host.sh: no PCI devices found under $DEVICES (is sysfs mounted? is SYSFS_ROOT right?)" >&2
  exit 1
fi

printf '<?xml version="1.0" encoding="UTF-8"?>\n'
# A comment may not hold "--": keep the root's name readable without it.
from_dir="$SYSFS_ROOT/sys"
while [[ $from_dir == *--* ]]; do from_dir=${from_dir//--/-}; done
printf '<!-- Written by pcitopo scripts/collect-host.sh from %s: %d PCI functions, each a <device> as\n' \
  "$from_dir" "${#addresses[@]}"
printf '     virsh nodedev-dumpxml prints it, wrapped in one <devices> root. pcitopo reads it as a host file. -->\n'
printf '<devices>\n'
# Globs sort in the C locale: domain, bus, slot, function order.
for a in "${addresses[@]}"; do
  emit_device "$DEVICES/$a" | sed 's/^/  /'
done
printf '</devices>\n'
