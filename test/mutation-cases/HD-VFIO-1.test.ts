import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/engine/commands/commands.ts';
import { findingsOf } from './alone.ts';
import { at, dev, hostdev, phb, pseries, q35, rootPort } from '../../src/engine/rules/testkit.ts';
import type { HostSpec } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { Finding } from '../../src/engine/rules/types.ts';

/**
 * HD-VFIO-1's branches beyond its case table and vfio.test.ts (issue 11; docs/mutation.md), the rule
 * run alone: Linux vfio_dev_viable (every member bound to vfio, pci-stub or nothing, bridges
 * excepted), QEMU vfio_get_group ("group N is not viable"), and what is said and offered for each.
 */

const GPU = '0000:01:00.0';
const AUDIO = '0000:01:00.1';
const USB = '0000:01:00.2';
const LPC = '0000:00:1f.0';
const SMBUS = '0000:00:1f.4';
const of = (d: Design): Finding[] => findingsOf(d, 'HD-VFIO-1');
/** the GPU passed on a PHB (room for its other functions next to it), with the given host */
const onPhb = (spec: HostSpec, address: ReturnType<typeof at> | undefined = at(1, 1)): Design => pseries([phb(1)], [hostdev(GPU, address)], spec);

describe('HD-VFIO-1: a member bound to a host driver (error)', () => {
  it('one member: "is", "it", and the fix passing it next to the GPU, listing the GPU and it, which clears the finding', () => {
    const d = onPhb({ groups: { 1: [GPU, AUDIO] }, drivers: { [GPU]: 'vfio-pci', [AUDIO]: 'snd_hda_intel' } });
    const [f, ...rest] = of(d);
    expect(rest).toEqual([]);
    expect(f?.severity).toBe('error');
    expect(f?.message).toBe(
      "IOMMU group 1 is not viable for VFIO: 0000:01:00.1 (bound to snd_hda_intel) is in the group but not passed through, and QEMU refuses a group with a member bound to a host driver (\"group 1 is not viable\"; managed='yes' detaches only the listed devices). Pass it through too, or bind it to vfio-pci or pci-stub on the host.",
    );
    expect(f?.subjects).toEqual({ devices: [GPU], groups: [1] });
    expect(f?.fixes?.map((x) => [x.label, x.command])).toEqual([
      ['Pass the rest of IOMMU group 1 (0000:01:00.1) through next to it', { kind: 'add-hostdevs', hostAddresses: [GPU, AUDIO], controller: 1 }],
    ]);
    expect(of(applyCommand(d, f!.fixes![0]!.command))).toEqual([]);
  });

  it('two members: "are", "them", both listed in the message and the fix', () => {
    const [f] = of(onPhb({ groups: { 1: [GPU, AUDIO, USB] }, drivers: { [AUDIO]: 'snd_hda_intel', [USB]: 'xhci_hcd' } }));
    expect(f?.message).toBe(
      "IOMMU group 1 is not viable for VFIO: 0000:01:00.1 (bound to snd_hda_intel), 0000:01:00.2 (bound to xhci_hcd) are in the group but not passed through, and QEMU refuses a group with a member bound to a host driver (\"group 1 is not viable\"; managed='yes' detaches only the listed devices). Pass them through too, or bind them to vfio-pci or pci-stub on the host.",
    );
    expect(f?.fixes?.map((x) => x.label)).toEqual(['Pass the rest of IOMMU group 1 (0000:01:00.1, 0000:01:00.2) through next to it']);
  });

  it('a hostdev libvirt places (no address): the rest goes next to where libvirt puts it (the free PHB 1)', () => {
    const got = of(onPhb({ groups: { 1: [GPU, AUDIO] }, drivers: { [AUDIO]: 'snd_hda_intel' } }, undefined));
    expect(got.map((f) => [f.severity, f.subjects, f.fixes?.map((x) => x.command)])).toEqual([['error', { devices: [GPU], groups: [1] }, [{ kind: 'add-hostdevs', hostAddresses: [GPU, AUDIO], controller: 1 }]]]);
  });

  it('a hostdev left to libvirt in a design libvirt cannot place (a NIC on bus 300): no bus to pass the rest next to, so no fix; the finding stands', () => {
    const d = pseries([phb(1)], [hostdev(GPU), dev('nic', 'interface', at(300, 1))], { groups: { 1: [GPU, AUDIO] }, drivers: { [AUDIO]: 'snd_hda_intel' } });
    expect(of(d).map((f) => [f.severity, f.subjects, f.fixes])).toEqual([['error', { devices: [GPU], groups: [1] }, undefined]]);
  });

  it('a bridge in the group is never a member left out, whatever its driver', () => {
    const bridge = '0000:00:01.0';
    const d = q35([rootPort(1, 1)], [hostdev(GPU, at(1, 0, 0, 'on')), hostdev(AUDIO, at(1, 0, 1))], { groups: { 1: [bridge, GPU, AUDIO] }, bridges: [bridge], drivers: { [bridge]: 'pcieport' } });
    expect(of(d)).toEqual([]);
  });
});

describe('HD-VFIO-1: chipset functions', () => {
  it('one chipset function bound to its driver and one driver-less: still not viable, an error', () => {
    const got = of(onPhb({ groups: { 1: [GPU, LPC, SMBUS] }, drivers: { [LPC]: 'lpc_ich' }, classes: { [LPC]: '0x060100', [SMBUS]: '0x0c0500' } }));
    expect(got.map((f) => [f.severity, f.fixes])).toEqual([['error', undefined]]);
  });

  it('driver-less chipset functions only: a warning ending without the refusal', () => {
    const got = of(onPhb({ groups: { 1: [GPU, LPC] }, classes: { [LPC]: '0x060100' } }));
    expect(got.map((f) => [f.severity, f.message])).toEqual([
      ['warning', 'IOMMU group 1 also holds chipset functions of the host: 0000:00:1f.0 (ISA/LPC bridge, no driver). The platform gives this slot no ACS isolation from them, so the group cannot be passed through safely: passing them would take them from the host. Put the card in another slot (one whose IOMMU group holds only the card), or pass through a device that has its own group.'],
    ]);
  });

  it('a chipset function passed next to a card function: the warning names only the hostdev that is the chipset function', () => {
    const d = pseries([phb(1)], [hostdev(GPU, at(1, 1, 0, 'on')), hostdev(SMBUS, at(1, 1, 1))], { groups: { 1: [GPU, SMBUS] }, classes: { [SMBUS]: '0x0c0500' } });
    expect(of(d).map((f) => [f.severity, f.subjects])).toEqual([['warning', { devices: [SMBUS], groups: [1] }]]);
  });
});

describe('HD-VFIO-1: members left out that leave the group viable (warnings)', () => {
  it('one driver-less member: "is", and a host driver binding to it later is refused', () => {
    const [f] = of(onPhb({ groups: { 1: [GPU, AUDIO] }, drivers: { [GPU]: 'vfio-pci' } }));
    expect(f?.message).toBe(
      'IOMMU group 1 is only partly passed through: 0000:01:00.1 (no driver) is not given to the guest. QEMU accepts the group, but a host driver that binds to a driver-less member while the guest runs is refused, and the member stays unusable to the host.',
    );
    expect(f?.fixes?.map((x) => x.command)).toEqual([{ kind: 'add-hostdevs', hostAddresses: [GPU, AUDIO], controller: 1 }]);
  });

  it('two members, one held by pci-stub: "are", and the held one serves no one', () => {
    const [f] = of(onPhb({ groups: { 1: [GPU, AUDIO, USB] }, drivers: { [AUDIO]: 'pci-stub' } }));
    expect(f?.message).toBe(
      'IOMMU group 1 is only partly passed through: 0000:01:00.1 (bound to pci-stub), 0000:01:00.2 (no driver) are not given to the guest. QEMU accepts the group, but a device held by vfio or pci-stub serves no one while this guest runs (a group belongs to one guest).',
    );
  });
});

describe('HD-VFIO-1 without a host', () => {
  it('with no hostdev there is nothing to say, not even that the host is needed', () => {
    expect(of(q35([rootPort(1, 1)], []))).toEqual([]);
  });
});
