/**
 * q35 domain XML for property tests of the fixes that add root ports: written root ports (some
 * without an address, whose function libvirt fills at define), a few PCI controllers without an
 * index, devices without an address (virtio and e1000 NICs, disks, rngs, xhci), libvirt's default
 * USB controller and memballoon or none. Deterministic for a seed; `count` documents.
 */
export function generatedQ35(seed: number, count: number): string[] {
  let s = seed;
  const rnd = (): number => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)] as T;
  const out: string[] = [];
  for (let n = 0; n < count; n++) {
    const lines = [`<domain type='kvm'><name>g${n}</name><memory unit='KiB'>1048576</memory><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>`, `<controller type='pci' index='0' model='pcie-root'/>`];
    const written = Math.floor(rnd() * 20);
    for (let i = 1; i <= written; i++) {
      const slot = 1 + Math.floor((i - 1) / 8);
      const fn = (i - 1) % 8;
      // some written without an address: libvirt fills their function of the slot at define
      if (rnd() < 0.15) lines.push(`<controller type='pci' index='${i}' model='pcie-root-port'/>`);
      else lines.push(`<controller type='pci' index='${i}' model='pcie-root-port'><target chassis='${i}' port='${slot * 8 + fn}'/><address type='pci' domain='0x0000' bus='0x00' slot='${slot}' function='${fn}'${fn === 0 ? " multifunction='on'" : ''}/></controller>`);
    }
    for (let i = Math.floor(rnd() * 4); i > 0; i--) lines.push(`<controller type='pci' model='${pick(['pcie-root-port', 'pcie-root-port', 'pcie-to-pci-bridge'])}'/>`);
    const devices = Math.floor(rnd() * 40);
    for (let i = 0; i < devices; i++) {
      const kind = pick(['virtio', 'e1000', 'disk', 'rng', 'xhci']);
      if (kind === 'disk') lines.push(`<disk type='file' device='disk'><source file='/var/lib/d${i}.img'/><target dev='vd${String.fromCharCode(97 + (i % 26))}${i >= 26 ? String.fromCharCode(97 + Math.floor(i / 26)) : ''}' bus='virtio'/></disk>`);
      else if (kind === 'rng') lines.push(`<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>`);
      else if (kind === 'xhci') lines.push(`<controller type='usb' index='${i}' model='qemu-xhci'/>`);
      else lines.push(`<interface type='user'><mac address='52:54:00:00:00:${i.toString(16).padStart(2, '0')}'/><model type='${kind}'/></interface>`);
    }
    if (rnd() < 0.5) lines.push(`<controller type='usb' model='none'/><memballoon model='none'/>`);
    lines.push('</devices></domain>');
    out.push(lines.join('\n'));
  }
  return out;
}

