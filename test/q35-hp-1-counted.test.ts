import { describe, expect, it } from 'vitest';
import { createDesign, validate } from '../src/engine/index.ts';
import type { Command, Design, Finding } from '../src/engine/index.ts';
import { applyCommand } from '../src/engine/commands/commands.ts';

/**
 * Q35-HP-1's fix counts its ports from a few defines (fewestPorts: the ports libvirt adds, plus the
 * spare, checked by halving) where it once added them one at a time, three defines each. On
 * generated q35 designs (written root ports, some controllers written without an index or an
 * address, devices without an address, fixed seed) the property that makes the count right: the fix
 * leaves a port empty once libvirt has defined the guest (no Q35-HP-1 finding), adds no error, and
 * one port fewer leaves none (the fewest ports).
 */
function generated(seed: number, count: number): string[] {
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

const hp1 = (d: Design): Finding | undefined => validate(d).find((f) => f.ruleId === 'Q35-HP-1');
const errors = (d: Design): string[] => validate(d).filter((f) => f.severity === 'error').map((f) => `${f.ruleId} ${f.message}`);
const ports = (c: Command): Command[] => (c.kind === 'batch' ? c.commands.flatMap(ports) : c.kind === 'add-controller' ? [c] : []);

describe('Q35-HP-1: the counted fix on generated q35 designs', () => {
  const fixed: Array<{ design: Design; command: Command }> = [];
  for (const xml of generated(20261201, 60)) {
    const r = createDesign(xml);
    if (!r.ok) continue;
    const fix = hp1(r.value)?.fixes?.[0];
    if (fix) fixed.push({ design: r.value, command: fix.command });
  }

  it('the generator yields designs to fix, some needing many ports', () => {
    expect(fixed.length).toBeGreaterThan(15);
    expect(fixed.some((f) => ports(f.command).length >= 10)).toBe(true);
  });

  it('each fix leaves a spare after define and adds no error; one port fewer leaves none', () => {
    for (const { design, command } of fixed) {
      const after = applyCommand(design, command);
      expect(hp1(after)).toBeUndefined();
      const before = new Set(errors(design));
      expect(errors(after).filter((e) => !before.has(e))).toEqual([]);
      const added = ports(command);
      if (added.length < 2) continue;
      const last = added[added.length - 1];
      const fewer = applyCommand(design, { kind: 'batch', label: 'fewer', commands: (command.kind === 'batch' ? command.commands : [command]).filter((c) => c !== last) });
      expect(hp1(fewer)).toBeDefined();
    }
  });
});
