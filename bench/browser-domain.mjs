/**
 * A pseries domain with `devices` emulated PCI devices spread over 31 vPHBs (the PAPR maximum), two
 * functions per slot, so every vPHB keeps free slots as drop targets: the 1,000-device design of
 * DESIGN.md §7's Chromium drag budget.
 */
export function largePseriesDomain(devices = 1000, phbs = 31) {
  const hex = (n, w = 2) => `0x${n.toString(16).padStart(w, '0')}`;
  const lines = [
    "<domain type='kvm'>",
    `  <name>large-${devices}</name>`,
    "  <memory unit='GiB'>64</memory>",
    "  <vcpu placement='static'>16</vcpu>",
    '  <os>',
    "    <type arch='ppc64le' machine='pseries'>hvm</type>",
    '  </os>',
    '  <devices>',
    '    <emulator>/usr/bin/qemu-system-ppc64</emulator>',
  ];
  for (let i = 0; i < phbs; i++) {
    lines.push(`    <controller type='pci' index='${i}' model='pci-root'>`, "      <model name='spapr-pci-host-bridge'/>", `      <target index='${i}'/>`, '    </controller>');
  }
  const perBus = new Array(phbs).fill(0);
  for (let i = 0; i < devices; i++) {
    const bus = i % phbs;
    const n = perBus[bus]++;
    const slot = 1 + Math.floor(n / 2);
    const fn = n % 2;
    const mac = `52:54:00:${hex((i >> 16) & 255).slice(2)}:${hex((i >> 8) & 255).slice(2)}:${hex(i & 255).slice(2)}`;
    lines.push(
      "    <interface type='user'>",
      `      <mac address='${mac}'/>`,
      "      <model type='virtio'/>",
      `      <address type='pci' domain='0x0000' bus='${hex(bus)}' slot='${hex(slot)}' function='0x${fn}'${fn === 0 ? " multifunction='on'" : ''}/>`,
      '    </interface>',
    );
  }
  lines.push('  </devices>', '</domain>', '');
  return lines.join('\n');
}

/**
 * The largest design a pseries guest can hold at all (issue 11's review): `phbs` buses (the implicit
 * vPHB 0 and `phbs - 1` written ones) with every one of their 31 slots (1-0x1f) filled with an
 * 8-function multifunction virtio NIC: 31 x 31 x 8 = 7,688 devices, a 1.3 MB domain on one line per
 * element, as a generator would write it.
 */
export function fullPseriesDomain(phbs = 31) {
  const lines = ["<domain type='kvm'><name>many</name><memory>1048576</memory><os><type arch='ppc64' machine='pseries'>hvm</type></os><devices>"];
  for (let i = 1; i < phbs; i++) lines.push(`<controller type='pci' index='${i}' model='pci-root'><model name='spapr-pci-host-bridge'/><target index='${i}'/></controller>`);
  const hex = (n) => `0x${n.toString(16).padStart(2, '0')}`;
  for (let bus = 0; bus < phbs; bus++) {
    for (let slot = 1; slot <= 0x1f; slot++) {
      for (let fn = 0; fn < 8; fn++) {
        lines.push(`<interface type='network'><source network='default'/><model type='virtio'/><address type='pci' domain='0x0000' bus='${hex(bus)}' slot='${hex(slot)}' function='0x${fn}'${fn === 0 ? " multifunction='on'" : ''}/></interface>`);
      }
    }
  }
  lines.push('</devices></domain>', '');
  return lines.join('\n');
}
