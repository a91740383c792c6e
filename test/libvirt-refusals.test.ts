import { describe, expect, it } from 'vitest';
import type { Design, Finding } from '../src/engine/index.ts';
import { applyCommand, createDesign, validate } from '../src/engine/index.ts';

/**
 * Issue 13: `validate` errors exactly when libvirt refuses. Each design here is the smallest of a kind
 * that real libvirt 9.0 + QEMU 7.2 refused (or accepted) at `virsh define` (the embedded driver, as
 * scripts/differential.mjs runs it); its words are quoted. The kinds are tested branch by branch in
 * the rules' case tables; these are the documents, read as users write them.
 */
function domain(machine: string, devices: string, arch = 'x86_64'): Design {
  const emulator = arch === 'x86_64' ? 'qemu-system-x86_64' : 'qemu-system-ppc64';
  const xml = `<domain type='qemu'>
  <name>t</name>
  <memory>131072</memory>
  <os><type arch='${arch}' machine='${machine}'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/${emulator}</emulator>
${devices}
  </devices>
</domain>
`;
  const d = createDesign(xml);
  if (!d.ok) throw new Error(d.error.message);
  return d.value;
}

const errors = (d: Design): Finding[] => validate(d).filter((f) => f.severity === 'error');
const key = (f: Finding): string => `${f.ruleId}|${f.message}`;

/** Every fix of every error applies and adds no error that was not there. */
function fixesAddNoError(d: Design): void {
  const before = new Set(errors(d).map(key));
  for (const f of errors(d)) {
    for (const fix of f.fixes ?? []) {
      const next = applyCommand(d, fix.command);
      expect(errors(next).filter((x) => !before.has(key(x))).map(key), `errors added by "${fix.label}"`).toEqual([]);
    }
  }
}

const nic = (model: string, bus: number, slot: number): string => `    <interface type='user'><model type='${model}'/><address type='pci' domain='0' bus='${bus}' slot='${slot}' function='0'/></interface>`;

describe('the pcie-root-port libvirt adds to hold its pcie-to-pci-bridge takes nothing else (virDomainPCIAddressSetGrow)', () => {
  it('a PCIe device written on it is an error: "cannot be plugged into the PCI controller with index=\'1\'"', () => {
    const d = domain('q35', [nic('rtl8139', 2, 3), nic('virtio', 1, 0)].join('\n'));
    const f = errors(d).find((x) => x.ruleId === 'GEN-CONNECT-3');
    expect(f?.message).toMatch(/index='1'.*accepts only that bridge.*PCI Express device/);
    fixesAddNoError(d);
  });

  it('so is a conventional device written on it after one libvirt bumps onto the bridge, and its fix is the bridge', () => {
    // libvirt 9.0: "It requires a controller that accepts a standard PCI device."
    const d = domain('q35', [nic('rtl8139', 1, 3), nic('e1000', 1, 0)].join('\n'));
    const f = errors(d).find((x) => x.ruleId === 'GEN-CONNECT-3');
    expect(f?.message).toMatch(/standard PCI device/);
    expect(f?.fixes?.[0]?.label).toMatch(/pcie-to-pci-bridge 2/);
    fixesAddNoError(d);
    // the fixed document is the one libvirt accepts: e1000 at bus 2 slot 1 beside the bumped rtl8139
    const fixed = applyCommand(d, f?.fixes?.[0]?.command ?? { kind: 'batch', label: '', commands: [] });
    expect(errors(fixed)).toEqual([]);
  });

  it('a device on a port the fix of Q35-RP-4 would pick is not moved to slot 0 of that port', () => {
    const d = domain('q35', [nic('rtl8139', 1, 3), nic('e1000', 1, 4)].join('\n'));
    const f = errors(d).find((x) => x.ruleId === 'Q35-RP-4');
    expect(f?.fixes?.[0]?.label).not.toMatch(/slot 0x00 of bus 0x01/);
    fixesAddNoError(d);
  });

  it('no fix writes a new root port while libvirt adds the bridge: it would turn the bridge into a port', () => {
    const d = domain('q35', [nic('rtl8139', 2, 3), nic('virtio', 1, 0)].join('\n'));
    const labels = validate(d).flatMap((f) => (f.fixes ?? []).map((x) => x.label));
    expect(labels.filter((l) => /new pcie-root-port|Add an empty pcie-root-port/.test(l))).toEqual([]);
  });

  it('the same PCIe device with the conventional one on the bridge only: clean, as libvirt defines it', () => {
    const d = domain('q35', [nic('rtl8139', 2, 3)].join('\n'));
    expect(errors(d)).toEqual([]);
  });
});
