/**
 * Q35-HP-1's fix against the real libvirt and QEMU (scripts/test-real.mjs): on a q35 guest whose one
 * root port is used and which leaves libvirt its default USB controller and memballoon, the fix adds
 * three ports; libvirt's define puts the USB controller and the memballoon on the first two
 * (qemuDomainAssignDevicePCISlots, virDomainPCIAddressGetNextAddr) and the third stays empty, in
 * libvirt's XML and in QEMU. The one port the fix used to add is taken by the USB controller.
 */
import { describe, expect, it } from 'vitest';
import { MACHINE_TEMPLATES, exportDomain, validate } from '../../src/engine/index.ts';
import type { Design } from '../../src/engine/index.ts';
import { applyCommand } from '../../src/engine/commands/commands.ts';
import type { Command } from '../../src/engine/commands/commands.ts';
import { formatVerifyReport } from '../../src/cli/verify/index.ts';
import { design, firstFix, verify } from './helpers.ts';
import { generatedQ35 } from '../support/generatedQ35.ts';


const oneUsedPort = (machine: 'q35' | 'virt', extra = ''): string =>
  MACHINE_TEMPLATES[machine].replace(
    '  </devices>',
    `    <controller type='pci' index='1' model='pcie-root-port'>
      <target chassis='1' port='0x8'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
    </controller>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/var/lib/libvirt/images/guest.qcow2'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
    </disk>
${extra}  </devices>`,
  );

const fixOf = (d: Design): { readonly label: string; readonly command: Command } => firstFix(d, 'Q35-HP-1');

describe('Q35-HP-1: the fix leaves a spare after the real define', () => {
  it('q35 with libvirt\'s default USB controller and memballoon: three ports, the third stays empty', async () => {
    const d = design(oneUsedPort('q35'));
    const fix = fixOf(d);
    expect(fix.label).toBe("Add 3 empty pcie-root-ports (libvirt's usb controller qemu-xhci and virtio memballoon take two)");
    const r = await verify(exportDomain(applyCommand(d, fix.command)));
    if (!r.ok) console.log(formatVerifyReport(r));
    expect(r.ok).toBe(true);
    expect(r.sparesTaken).toBeUndefined();
    expect(r.devices.filter((x) => x.note?.startsWith('added by libvirt') && x.libvirt?.bus !== 0).map((x) => [x.element, x.libvirt?.bus]).sort()).toEqual([
      ['controller usb qemu-xhci', 2],
      ['memballoon virtio', 3],
    ]);
  });

  it('the one port the fix used to add: libvirt\'s USB controller takes it (the control)', async () => {
    const d = design(oneUsedPort('q35'));
    const fix = fixOf(d);
    const first = fix.command.kind === 'batch' ? fix.command.commands[0] : undefined;
    if (!first) throw new Error('not a batch');
    const r = await verify(exportDomain(applyCommand(d, first)));
    expect(r.sparesTaken).toEqual([expect.stringContaining('usb qemu-xhci')]);
  });

  it('q35 with a conventional NIC written without an address: one port, the bridge libvirt adds takes it, libvirt\'s own root port stays empty', async () => {
    // virDomainPCIAddressSetGrow adds a pcie-root-port (index 3) and a pcie-to-pci-bridge (index 4);
    // the real pass puts the bridge in the first free port, the fix's (index 2)
    const d = design(oneUsedPort('q35', `    <interface type='network'>
      <source network='default'/>
      <model type='e1000'/>
    </interface>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
`));
    const fix = fixOf(d);
    expect(fix.label).toBe('Add an empty pcie-root-port');
    const r = await verify(exportDomain(applyCommand(d, fix.command)));
    expect(r.stage).toBe('done');
    expect(r.controllers.map((c) => [c.index, c.model])).toEqual(expect.arrayContaining([[2, 'pcie-root-port'], [3, 'pcie-root-port'], [4, 'pcie-to-pci-bridge']]));
    expect(r.devices.find((x) => x.key === 'pci-ctrl-4')?.libvirt?.bus).toBe(2);
    expect(r.devices.filter((x) => x.libvirt?.bus === 3)).toEqual([]);
  });

  it('q35 with no whole pcie-root slot free: the fix puts three ports in the free functions of the root ports\' slot, and the third stays empty', async () => {
    // root ports at 00:01.0-00:01.4, each with a disk; every other slot of pcie-root (2-0x1e) holds an
    // integrated virtio disk. libvirt packs root ports into the functions of a root-port slot
    // (VIR_PCI_CONNECT_AGGREGATE_SLOT, virDomainPCIAddressFindUnusedFunctionOnBus): the fix writes
    // them at 00:01.5-00:01.7; the USB controller and memballoon take the first two
    const disk = (name: string, bus: number, slot: number): string => `    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/var/lib/libvirt/images/${name}.qcow2'/>
      <target dev='${name}' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='${hex(bus)}' slot='${hex(slot)}' function='0x0'/>
    </disk>
`;
    const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;
    const letter = (n: number): string => String.fromCharCode(97 + n);
    const name = (i: number): string => `vd${i < 26 ? '' : letter(Math.floor(i / 26) - 1)}${letter(i % 26)}`;
    const ports = Array.from({ length: 5 }, (_, f) => `    <controller type='pci' index='${f + 1}' model='pcie-root-port'>
      <target chassis='${f + 1}' port='${hex(8 + f)}'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x${f}'${f === 0 ? " multifunction='on'" : ''}/>
    </controller>
${disk(name(f), f + 1, 0)}`).join('');
    const integrated = Array.from({ length: 29 }, (_, i) => disk(name(i + 5), 0, i + 2)).join('');
    const d = design(MACHINE_TEMPLATES.q35.replace('  </devices>', `${ports}${integrated}  </devices>`));
    const fix = fixOf(d);
    expect(fix.label).toBe("Add 3 empty pcie-root-ports (libvirt's usb controller qemu-xhci and virtio memballoon take two)");
    const fixed = applyCommand(d, fix.command);
    expect(validate(fixed).filter((f) => f.severity !== 'info')).toEqual([]);
    expect(fixed.guest.controllers.filter((c) => c.index !== undefined && c.index > 5).map((c) => [c.index, c.address?.slot, c.address?.function])).toEqual([
      [6, 1, 5],
      [7, 1, 6],
      [8, 1, 7],
    ]);
    const r = await verify(exportDomain(fixed));
    if (!r.ok) console.log(formatVerifyReport(r));
    expect(r.ok).toBe(true);
    expect(r.sparesTaken).toBeUndefined();
    expect(r.devices.filter((x) => x.note?.startsWith('added by libvirt') && x.libvirt?.bus !== 0).map((x) => [x.element, x.libvirt?.bus]).sort()).toEqual([
      ['controller usb qemu-xhci', 6],
      ['memballoon virtio', 7],
    ]);
    expect(r.devices.filter((x) => x.libvirt?.bus === 8)).toEqual([]);
    expect(r.devices.filter((x) => x.key.startsWith('pci-ctrl-') && Number(x.key.slice(9)) > 5).map((x) => [x.key, x.qemu?.slot, x.qemu?.function])).toEqual([
      ['pci-ctrl-6', 1, 5],
      ['pci-ctrl-7', 1, 6],
      ['pci-ctrl-8', 1, 7],
    ]);
  });

  it('ARM virt: libvirt adds neither, one port is the spare', async () => {
    const d = design(oneUsedPort('virt'));
    const fix = fixOf(d);
    expect(fix.label).toBe('Add an empty pcie-root-port');
    const r = await verify(exportDomain(applyCommand(d, fix.command)));
    if (!r.ok) console.log(formatVerifyReport(r));
    expect(r.ok).toBe(true);
    expect(r.sparesTaken).toBeUndefined();
  });

  it('generated q35 designs (test/q35-hp-1-counted.test.ts): the counted fix leaves a root port empty in libvirt\'s XML, and QEMU starts the guest', async () => {
    // the ports counted from the ports libvirt adds at define, written where libvirt puts them,
    // some beside a function 0 libvirt fills at define (a root port written without an address)
    const fixed = generatedQ35(20261201, 60)
      .map((xml) => design(xml))
      .flatMap((d) => {
        // those libvirt defines as they are (some write a USB controller beside model='none': GEN-USB-1)
        const findings = validate(d);
        const fix = findings.find((f) => f.ruleId === 'Q35-HP-1')?.fixes?.[0];
        return fix && !findings.some((f) => f.severity === 'error') ? [applyCommand(d, fix.command)] : [];
      })
      .slice(0, 4);
    expect(fixed).toHaveLength(4);
    for (const d of fixed) {
      const r = await verify(exportDomain(d));
      if (!r.ok) console.log(formatVerifyReport(r));
      expect(r.ok).toBe(true);
      const used = new Set(r.devices.flatMap((x) => (x.libvirt ? [x.libvirt.bus] : [])));
      expect(r.controllers.filter((c) => c.model === 'pcie-root-port' && !used.has(c.index)).length).toBeGreaterThan(0);
    }
  });
});
