import type { Finding, Rule, RuleMeta } from './types.ts';
import { addrText, finding } from './context.ts';
import { freeSlotFix, everyBusRule } from './fixes.ts';
import { at, dev, q35 } from './testkit.ts';

const meta: RuleMeta = {
  id: 'Q35-RSV-1',
  severity: 'error',
  title: 'ICH9 addresses 00:1f.0, 00:1f.2 and 00:1f.3 are reserved',
  why: 'q35 has the LPC bridge at 00:1f.0, the primary SATA controller at 00:1f.2 and SMBus at 00:1f.3; libvirt refuses other devices there and a primary SATA controller anywhere else.',
  source: 'libvirt src/qemu/qemu_domain_address.c qemuDomainValidateDevicePCISlotsQ35 ("Primary SATA controller must have PCI address 0:0:1f.2"); docs/pci-addresses.rst',
  families: ['q35'],
};

const isPrimarySata = (d: { element: string; type?: string | undefined; key: string; alias?: string | undefined }): boolean => d.element === 'controller' && d.type === 'sata' && (d.alias === undefined || d.alias === 'sata0');

export const rule: Rule = everyBusRule(meta, (ctx, bus) => {
  if (bus.index !== 0) return [];
  const out: Finding[] = [];
  let sataSeen = false;
  for (const d of bus.devices) {
    const a = d.address;
    if (!a) continue;
    const primarySata = isPrimarySata(d) && !sataSeen;
    if (isPrimarySata(d)) sataSeen = true;
    if (primarySata && !(a.slot === 0x1f && a.function === 2)) {
      out.push(finding(meta, `The primary SATA controller (${d.label}) is at ${addrText(a)}; it must have PCI address 0:0:1f.2.`, { devices: [d.key] }, [{ label: 'Move it to 00:1f.2', command: { kind: 'move-device', device: d.key, address: at(0, 0x1f, 2) } }]));
      continue;
    }
    if (a.slot === 0x1f && [0, 2, 3].includes(a.function) && !primarySata) {
      const fix = freeSlotFix(ctx, d);
      out.push(finding(meta, `${d.label} is at ${addrText(a)}, reserved on q35 for the ICH9 ${a.function === 0 ? 'LPC bridge' : a.function === 2 ? 'primary SATA controller' : 'SMBus controller'}.`, { devices: [d.key] }, fix ? [fix] : undefined));
    }
  }
  return out;
});

export const cases = {
  pass: [{ name: 'sata at 1f.2', design: q35([], [dev('sata0', 'controller', at(0, 0x1f, 2), { type: 'sata' }), dev('vda', 'disk', at(0, 3))]) }],
  fail: [
    { name: 'disk at 1f.3', design: q35([], [dev('vda', 'disk', at(0, 0x1f, 3))]), expect: { devices: ['vda'] } },
    { name: 'sata at 03.0', design: q35([], [dev('sata0', 'controller', at(0, 3), { type: 'sata' })]), expect: { devices: ['sata0'] } },
  ],
};
