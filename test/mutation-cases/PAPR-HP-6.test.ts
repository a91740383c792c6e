import { describe, expect, it } from 'vitest';
import { findingsOf } from './alone.ts';
import { at, ctrl, dev, hostdev, phb, pseries } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';

/**
 * PAPR-HP-6's branches beyond its case table (issue 11; docs/mutation.md), the rule run alone:
 * libvirt gives an empty PHB to the next hostdev it places (virDomainPCIAddressGetNextAddr, one
 * IOMMU group per PHB) and, once PHB 0 is full, to the devices it adds itself
 * (qemuDomainDefAddDefaultDevices: pci-ohci, virtio memballoon).
 */

const of = (d: Design) => findingsOf(d, 'PAPR-HP-6').map((f) => [f.message, f.subjects, f.fixes?.map((x) => [x.label, x.command])]);
const addPhbs = (n: number) => [`Add ${n} more spare vPHB(s)`, { kind: 'batch', label: 'Add spare vPHBs', commands: Array.from({ length: n }, () => ({ kind: 'add-controller', controller: { model: 'pci-root' } })) }];
const fullPhb0 = Array.from({ length: 31 }, (_, i) => dev(`d${i}`, 'disk', at(0, i + 1)));
const usbNone = dev('usb', 'controller', undefined, { type: 'usb', model: 'none' });
const mbNone = dev('mb', 'memballoon', undefined, { model: 'none' });
const GROUPS = { groups: { 1: ['0000:01:00.0', '0000:01:00.1'], 2: ['0000:02:00.0'] } };

describe('PAPR-HP-6: hostdevs libvirt places take the spare PHBs', () => {
  it('one hostdev, one spare: "has", "it", one more PHB', () => {
    expect(of(pseries([phb(1)], [hostdev('0000:01:00.0')]))).toEqual([
      ['hostdev 0000:01:00.0 has no address: libvirt will give the empty PHB(s) 1 to it, so no spare is left for hotplug. Give the hostdevs addresses, or add 1 more PHB(s).', { controllers: [1], devices: ['0000:01:00.0'] }, [addPhbs(1)]],
    ]);
  });

  it('two functions of one IOMMU group need one PHB: with two spares one stays; with one spare, "have", "them", one more', () => {
    expect(of(pseries([phb(1), phb(2)], [hostdev('0000:01:00.0'), hostdev('0000:01:00.1')], GROUPS))).toEqual([]);
    expect(of(pseries([phb(1)], [hostdev('0000:01:00.0'), hostdev('0000:01:00.1')], GROUPS))).toEqual([
      ['hostdev 0000:01:00.0, hostdev 0000:01:00.1 have no address: libvirt will give the empty PHB(s) 1 to them, so no spare is left for hotplug. Give the hostdevs addresses, or add 1 more PHB(s).', { controllers: [1], devices: ['0000:01:00.0', '0000:01:00.1'] }, [addPhbs(1)]],
    ]);
  });

  it('without the host each hostdev counts as a group: two hostdevs and one spare want two more PHBs; with two spares, one more', () => {
    expect(of(pseries([phb(1)], [hostdev('0000:01:00.0'), hostdev('0000:02:00.0')]))).toEqual([
      ['hostdev 0000:01:00.0, hostdev 0000:02:00.0 have no address: libvirt will give the empty PHB(s) 1 to them, so no spare is left for hotplug. Give the hostdevs addresses, or add 2 more PHB(s).', { controllers: [1], devices: ['0000:01:00.0', '0000:02:00.0'] }, [addPhbs(2)]],
    ]);
    expect(of(pseries([phb(1), phb(2)], [hostdev('0000:01:00.0'), hostdev('0000:02:00.0')])).map((f) => [f[0], f[1]])).toEqual([
      ['hostdev 0000:01:00.0, hostdev 0000:02:00.0 have no address: libvirt will give the empty PHB(s) 1, 2 to them, so no spare is left for hotplug. Give the hostdevs addresses, or add 1 more PHB(s).', { controllers: [1, 2], devices: ['0000:01:00.0', '0000:02:00.0'] }],
    ]);
  });

  it('no spare PHB at all, or a hostdev on another address type (spapr-vio): nothing to lose', () => {
    expect(of(pseries([], [hostdev('0000:01:00.0')]))).toEqual([]);
    expect(of(pseries([phb(1)], [{ ...hostdev('0000:01:00.0'), otherAddressType: 'spapr-vio' }]))).toEqual([]);
  });
});

describe('PAPR-HP-6: libvirt\'s own devices take the spare once PHB 0 is full', () => {
  it('the default USB controller: the words and one more PHB', () => {
    expect(of(pseries([phb(1)], [...fullPhb0, mbNone]))).toEqual([
      [
        "PHB 0 has no free slot, so libvirt puts the devices it adds at define time on the empty PHBs (usb controller pci-ohci on PHB 1) and no spare is left for hotplug. Free a slot on PHB 0 or put a pci-bridge there, write <controller type='usb' model='none'/> / <memballoon model='none'/> if the guest does without them, or add a PHB.",
        { controllers: [1] },
        [addPhbs(1)],
      ],
    ]);
  });

  it('one spare: the USB controller and the memballoon both land on it, both named', () => {
    expect(of(pseries([phb(1)], [...fullPhb0])).map((f) => f[0])).toEqual([
      "PHB 0 has no free slot, so libvirt puts the devices it adds at define time on the empty PHBs (usb controller pci-ohci on PHB 1, virtio memballoon on PHB 1) and no spare is left for hotplug. Free a slot on PHB 0 or put a pci-bridge there, write <controller type='usb' model='none'/> / <memballoon model='none'/> if the guest does without them, or add a PHB.",
    ]);
  });

  it('two spares: the USB controller and the memballoon share one (one isolation group), the other stays a spare', () => {
    expect(of(pseries([phb(1), phb(2)], [...fullPhb0]))).toEqual([]);
    expect(of(pseries([phb(1), phb(2)], [...fullPhb0, mbNone]))).toEqual([]);
  });

  it('an empty pci-bridge after the spare PHB is no spare PHB: libvirt\'s devices take PHB 1 (the lower bus), the bridge stays empty, and PHB 1 is named alone', () => {
    const bridge = ctrl('pci-bridge', 2, { address: at(0, 31), target: { chassisNr: 2 } });
    const disks30 = fullPhb0.slice(0, 30);
    expect(of(pseries([phb(1), bridge], [...disks30, mbNone])).map((f) => [f[0], f[1]])).toEqual([
      [
        "PHB 0 has no free slot, so libvirt puts the devices it adds at define time on the empty PHBs (usb controller pci-ohci on PHB 1) and no spare is left for hotplug. Free a slot on PHB 0 or put a pci-bridge there, write <controller type='usb' model='none'/> / <memballoon model='none'/> if the guest does without them, or add a PHB.",
        { controllers: [1] },
      ],
    ]);
  });

  it('a device of the design libvirt places there is not libvirt\'s own: not this rule\'s', () => {
    expect(of(pseries([phb(1)], [...fullPhb0, usbNone, mbNone, dev('nic', 'interface')]))).toEqual([]);
  });
});
