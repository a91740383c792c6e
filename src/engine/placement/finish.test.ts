import { describe, expect, it } from 'vitest';
import type { PciController } from '../model/guest.ts';
import { withFreeChassis, withFreeTargetIndex, withoutControllersPastIndexLimit, withoutPhbsPastTargetRange, withoutRefusedAddresses } from './finish.ts';
import { at, controller, emulated, guestOf, phb } from './testkit.ts';

/** A port as libvirt writes it: chassis left out means QEMU's chassis is the index (qemuDomainAssignPCIAddresses). */
const port = (model: string, index: number, chassis?: number, key = `${model}-${index}`): PciController => ({
  ...controller(model, index, at(0, 2)),
  key,
  target: chassis === undefined ? {} : { chassis },
});
const chassisByKey = (cs: readonly PciController[]): Record<string, number | undefined> =>
  Object.fromEntries(cs.filter((c) => c.model.endsWith('-port')).map((c) => [c.key, c.target.chassis ?? c.index]));

describe('withFreeChassis: an added port never takes a chassis another port has (QEMU: "Can\'t add chassis slot", Q35-RP-3)', () => {
  const root = controller('pcie-root', 0);

  it('an added root port whose chassis (its index) a design port wrote gets the lowest chassis no port uses, and a note says what libvirt would do', () => {
    const mine = port('pcie-root-port', 1, 3, 'mine');
    const before = guestOf('q35', { controllers: [root, mine, port('pcie-root-port', 2, 1, 'other')] });
    const after = { ...before, controllers: [...before.controllers, port('pcie-root-port', 3, undefined, 'added')] };
    const notes: string[] = [];
    const out = withFreeChassis(before, after, notes);
    expect(chassisByKey(out.controllers)).toEqual({ mine: 3, other: 1, added: 2 });
    expect(notes).toEqual(['pcie-root-port 3 is written with chassis 2: libvirt would give it chassis 3, which another port already uses, and QEMU would refuse to start']);
  });

  it('downstream ports are ports too: an added one clashing with a root port moves, and so an added root port clashing with a downstream port', () => {
    const before = guestOf('q35', { controllers: [root, port('pcie-switch-downstream-port', 9, 4, 'ds'), port('pcie-root-port', 1, 5, 'rp')] });
    const after = { ...before, controllers: [...before.controllers, port('pcie-root-port', 4, undefined, 'added-rp'), port('pcie-switch-downstream-port', 5, undefined, 'added-ds')] };
    const notes: string[] = [];
    expect(chassisByKey(withFreeChassis(before, after, notes).controllers)).toEqual({ ds: 4, rp: 5, 'added-rp': 1, 'added-ds': 2 });
    expect(notes).toHaveLength(2);
  });

  it('a controller that is not a port neither moves nor holds a chassis: a bridge with chassisNr equal to a port index changes nothing', () => {
    const bridge: PciController = { ...controller('pci-bridge', 2, at(0, 3)), key: 'bridge', target: { chassisNr: 4 } };
    const before = guestOf('q35', { controllers: [root, bridge] });
    const after = { ...before, controllers: [...before.controllers, port('pcie-root-port', 4, undefined, 'added'), { ...controller('pcie-switch-upstream-port', 5, at(4, 0)), key: 'up' }] };
    const notes: string[] = [];
    expect(withFreeChassis(before, after, notes)).toBe(after);
    expect(notes).toEqual([]);
  });

  it('ports that were in the design keep their chassis even when they clash (the rules report that), and nothing is written when no port was added', () => {
    const before = guestOf('q35', { controllers: [root, port('pcie-root-port', 1, 7, 'a'), port('pcie-root-port', 2, 7, 'b')] });
    const notes: string[] = [];
    const after = { ...before, controllers: [...before.controllers] };
    expect(withFreeChassis(before, after, notes)).toBe(after);
    const withAdded = { ...before, controllers: [...before.controllers, port('pcie-root-port', 3, undefined, 'added')] };
    expect(chassisByKey(withFreeChassis(before, withAdded, notes).controllers)).toEqual({ a: 7, b: 7, added: 3 });
    expect(notes).toEqual([]);
  });

  it('of two added ports sharing a chassis only one moves: the other then has it alone', () => {
    const before = guestOf('q35', { controllers: [root] });
    const after = { ...before, controllers: [root, port('pcie-root-port', 1, 9, 'x'), port('pcie-root-port', 2, 9, 'y')] };
    const notes: string[] = [];
    expect(chassisByKey(withFreeChassis(before, after, notes).controllers)).toEqual({ x: 1, y: 9 });
    expect(notes).toHaveLength(1);
  });

  it('a controller that is not a port holds no chassis even by its index: an added port written with chassis 2 beside pci-bridge 2 keeps it', () => {
    const bridge: PciController = { ...controller('pci-bridge', 2, at(0, 3)), key: 'bridge' };
    const before = guestOf('q35', { controllers: [root, bridge] });
    const after = { ...before, controllers: [...before.controllers, port('pcie-root-port', 6, 2, 'added')] };
    const notes: string[] = [];
    expect(withFreeChassis(before, after, notes)).toBe(after);
    expect(notes).toEqual([]);
  });

  it('of three added ports sharing a chassis two move, each to its own free chassis', () => {
    const before = guestOf('q35', { controllers: [root] });
    const after = { ...before, controllers: [root, port('pcie-root-port', 1, 9, 'x'), port('pcie-root-port', 2, 9, 'y'), port('pcie-root-port', 3, 9, 'z')] };
    const notes: string[] = [];
    expect(chassisByKey(withFreeChassis(before, after, notes).controllers)).toEqual({ x: 1, y: 2, z: 9 });
    expect(notes).toHaveLength(2);
  });

  it('the chassis is 8 bits (1-255): 255 is still given, and with every chassis taken the port is left as libvirt writes it', () => {
    const taken = (n: number): PciController[] => Array.from({ length: n }, (_, i) => port('pcie-root-port', 10 + i, i + 1, `p${i + 1}`));
    const almost = guestOf('q35', { controllers: [root, ...taken(254)] });
    const notes: string[] = [];
    const out = withFreeChassis(almost, { ...almost, controllers: [...almost.controllers, port('pcie-root-port', 5, undefined, 'added')] }, notes);
    expect(chassisByKey(out.controllers).added).toBe(255);
    const full = guestOf('q35', { controllers: [root, ...taken(255)] });
    const notes2: string[] = [];
    const after = { ...full, controllers: [...full.controllers, port('pcie-root-port', 5, undefined, 'added')] };
    expect(withFreeChassis(full, after, notes2)).toBe(after);
    expect(notes2).toEqual([]);
  });
});

describe('withFreeTargetIndex: a PHB place fills in never takes a target index another PHB has (QEMU: "PHB N already attached", d12)', () => {
  const targets = (cs: readonly PciController[]): Record<string, number | undefined> => Object.fromEntries(cs.filter((c) => c.model === 'pci-root').map((c) => [c.key, c.target.index]));

  it('a PHB whose target index libvirt picked clashes with a written one: it gets the lowest free one, the written one stays, a note says what libvirt would do', () => {
    const before = guestOf('pseries', { controllers: [phb(0, 0), { ...phb(1), key: 'filled' }, { ...phb(2, 1), key: 'written' }] });
    const after = { ...before, controllers: [phb(0, 0), { ...phb(1, 1), key: 'filled' }, { ...phb(2, 1), key: 'written' }] };
    const notes: string[] = [];
    expect(targets(withFreeTargetIndex(before, after, notes).controllers)).toEqual({ 'pci-0': 0, filled: 2, written: 1 });
    expect(notes).toEqual(['PHB 1 is written with target index 2: libvirt would give it target index 1, which a PHB written without <model name> already has, and QEMU would refuse to start ("PHB 1 already attached")']);
  });

  it('no clash, or a clash among written target indexes only (the rules report it): unchanged', () => {
    const before = guestOf('pseries', { controllers: [phb(0, 0), { ...phb(1), key: 'filled' }, { ...phb(2, 3), key: 'a' }, { ...phb(3, 3), key: 'b' }] });
    const after = { ...before, controllers: [phb(0, 0), { ...phb(1, 1), key: 'filled' }, { ...phb(2, 3), key: 'a' }, { ...phb(3, 3), key: 'b' }] };
    const notes: string[] = [];
    expect(withFreeTargetIndex(before, after, notes)).toBe(after);
    expect(notes).toEqual([]);
  });

  it('target indexes go up to 30: 30 is still given, and with 1-30 all taken the PHB is left as libvirt fills it', () => {
    const written = (n: number): PciController[] => Array.from({ length: n }, (_, i) => ({ ...phb(i + 1, i + 1), key: `w${i + 1}` }));
    const before29 = guestOf('pseries', { controllers: [phb(0, 0), ...written(29), { ...phb(40), key: 'filled' }] });
    const after29 = { ...before29, controllers: [phb(0, 0), ...written(29), { ...phb(40, 5), key: 'filled' }] };
    const notes: string[] = [];
    expect(targets(withFreeTargetIndex(before29, after29, notes).controllers).filled).toBe(30);
    const before30 = guestOf('pseries', { controllers: [phb(0, 0), ...written(30), { ...phb(40), key: 'filled' }] });
    const after30 = { ...before30, controllers: [phb(0, 0), ...written(30), { ...phb(40, 5), key: 'filled' }] };
    const notes2: string[] = [];
    expect(withFreeTargetIndex(before30, after30, notes2)).toBe(after30);
    expect(notes2).toEqual([]);
  });

  it('of three filled PHBs sharing a target index two move; controllers with no target index (other models, PHBs left unfilled) never move', () => {
    const bridgeA = { ...controller('pci-bridge', 5, at(0, 3)), key: 'bridge-a' };
    const other = { ...controller('pci-bridge', 6, at(0, 4)), key: 'bridge-b' };
    const before = guestOf('pseries', { controllers: [phb(0, 0), { ...phb(1), key: 'x' }, { ...phb(2), key: 'y' }, { ...phb(3), key: 'z' }, { ...phb(7), key: 'u1' }, { ...phb(8), key: 'u2' }, bridgeA, other] });
    const after = { ...before, controllers: [phb(0, 0), { ...phb(1, 4), key: 'x' }, { ...phb(2, 4), key: 'y' }, { ...phb(3, 4), key: 'z' }, { ...phb(7), key: 'u1' }, { ...phb(8), key: 'u2' }, bridgeA, other] };
    const notes: string[] = [];
    const out = withFreeTargetIndex(before, after, notes).controllers;
    expect(targets(out)).toEqual({ 'pci-0': 0, x: 1, y: 2, z: 4, u1: undefined, u2: undefined });
    expect(out.filter((c) => c.model !== 'pci-root')).toEqual([bridgeA, other]);
    expect(notes).toHaveLength(2);
  });

  it('of two filled PHBs sharing a target index only one moves', () => {
    const before = guestOf('pseries', { controllers: [phb(0, 0), { ...phb(1), key: 'x' }, { ...phb(2), key: 'y' }] });
    const after = { ...before, controllers: [phb(0, 0), { ...phb(1, 4), key: 'x' }, { ...phb(2, 4), key: 'y' }] };
    const notes: string[] = [];
    expect(targets(withFreeTargetIndex(before, after, notes).controllers)).toEqual({ 'pci-0': 0, x: 1, y: 4 });
    expect(notes).toHaveLength(1);
  });
});

describe('withoutRefusedAddresses: a controller libvirt would put on a bus QEMU creates after it is written unaddressed (controllersBeforeTheirBus)', () => {
  it('place\'s address for an upstream port on a later root port is dropped with a note; the user\'s own addresses and the fine ones stay', () => {
    const root = controller('pcie-root', 0);
    const rp = { ...controller('pcie-root-port', 3, at(0, 2)), key: 'rp' };
    const up = { ...controller('pcie-switch-upstream-port', 1), key: 'up' };
    const userUp = { ...controller('pcie-switch-upstream-port', 2, at(3, 0)), key: 'user-up' };
    const before = guestOf('q35', { controllers: [root, up, userUp, rp] });
    const after = { ...before, controllers: [root, { ...up, address: at(3, 0) }, userUp, rp] };
    const notes: string[] = [];
    const out = withoutRefusedAddresses(before, after, notes);
    expect(Object.fromEntries(out.controllers.map((c) => [c.key.startsWith('pci-') ? 'root' : c.key, c.address ? `${c.address.bus}:${c.address.slot}` : '-']))).toEqual({ root: '-', up: '-', 'user-up': '3:0', rp: '0:2' });
    expect(notes).toEqual([expect.stringMatching(/^libvirt would put pcie-switch-upstream-port 1 on bus 3, which QEMU creates after it.*; it is left without an address$/)]);
  });

  it('nothing refused: the guest comes back as it was, without a note', () => {
    const before = guestOf('q35', { controllers: [controller('pcie-root', 0), controller('pcie-root-port', 1)] });
    const after = { ...before, controllers: [before.controllers[0] as PciController, { ...(before.controllers[1] as PciController), address: at(0, 2) }] };
    const notes: string[] = [];
    expect(withoutRefusedAddresses(before, after, notes)).toBe(after);
    expect(notes).toEqual([]);
  });
});

describe('withoutControllersPastIndexLimit (a PCI bus number is 0-255: virDomainPCIAddressBusSetModel)', () => {
  it('drops a controller the placement added past 255 and the addresses on its bus, keeps one it added at 255 and one the design wrote past 255 (the rules report that one)', () => {
    const written = { ...controller('pcie-root-port', 300, at(0, 3)), key: 'written' };
    const before = guestOf('q35', { controllers: [controller('pcie-root', 0), written], devices: [emulated({ key: 'nic' })] });
    const at255 = { ...controller('pcie-root-port', 255, at(0, 4)), key: 'at255' };
    const past = { ...controller('pcie-root-port', 256, at(0, 5)), key: 'past' };
    const bridge = { ...controller('pcie-to-pci-bridge', 257, at(256, 0)), key: 'bridge' };
    const after = { ...before, controllers: [...before.controllers, at255, past, bridge], devices: [emulated({ key: 'nic', address: at(256, 0) }), emulated({ key: 'vda', address: at(255, 0) })] };
    const notes: string[] = [];
    const out = withoutControllersPastIndexLimit(before, after, notes);
    expect(out.controllers.map((c) => `${c.key}${c.address ? '@' + c.address.bus : ''}`)).toEqual([before.controllers[0]?.key, 'written@0', 'at255@0']);
    expect(out.devices.map((d) => `${d.key}${d.address ? '@' + d.address.bus : ''}`)).toEqual(['nic', 'vda@255']);
    expect(notes).toEqual([
      'libvirt would add pcie-root-port 256, past the highest controller index 255, and refuse the domain; it is not written',
      'libvirt would add pcie-to-pci-bridge 257, past the highest controller index 255, and refuse the domain; it is not written',
    ]);
  });

  it('four or more controllers past 255: one note names them all (models, first and last index)', () => {
    const before = guestOf('q35', { controllers: [controller('pcie-root', 0)], devices: [] });
    const added = [256, 257, 258, 259].map((i) => controller(i === 259 ? 'pcie-to-pci-bridge' : 'pcie-root-port', i));
    const notes: string[] = [];
    const out = withoutControllersPastIndexLimit(before, { ...before, controllers: [...before.controllers, ...added] }, notes);
    expect(out.controllers.map((c) => c.index)).toEqual([0]);
    expect(notes).toEqual(['libvirt would add 4 controllers (pcie-root-port, pcie-to-pci-bridge) past the highest controller index 255, indexes 256 to 259, and refuse the domain; they are not written']);
  });

  it('an address the placement gave on a bus past 255 goes even with no controller added for that bus; a written one stays', () => {
    const before = guestOf('virt', { controllers: [controller('pcie-root', 0)], devices: [emulated({ key: 'mine', address: at(300, 0) }), emulated({ key: 'vda' }), emulated({ key: 'vdb' })] });
    const after = { ...before, devices: [emulated({ key: 'mine', address: at(300, 0) }), emulated({ key: 'vda', address: at(255, 0) }), emulated({ key: 'vdb', label: 'disk vdb', address: at(257, 0) })] };
    const notes: string[] = [];
    const out = withoutControllersPastIndexLimit(before, after, notes);
    expect(out.devices.map((d) => `${d.key}${d.address ? '@' + d.address.bus : ''}`)).toEqual(['mine@300', 'vda@255', 'vdb']);
    expect(notes).toEqual(['disk vdb would need a bus past 255, which no PCI bus number can be: libvirt would refuse the domain; left without an address']);
  });

  it('more than three placed past 255 are counted, "devices" when all are devices, "devices and controllers" when a controller is among them; a controller placed past 255 loses its address', () => {
    const disks = ['vda', 'vdb', 'vdc', 'vdd'];
    const before = guestOf('virt', { controllers: [controller('pcie-root', 0)], devices: disks.map((key) => emulated({ key })) });
    const placedPast = disks.map((key, i) => emulated({ key, address: at(256 + i, 0) }));
    let notes: string[] = [];
    const out = withoutControllersPastIndexLimit(before, { ...before, devices: placedPast }, notes);
    expect(out.devices.every((d) => d.address === undefined)).toBe(true);
    expect(notes).toEqual(['4 devices would need a bus past 255, which no PCI bus number can be: libvirt would refuse the domain; left without an address']);
    // three are still named one by one
    notes = [];
    withoutControllersPastIndexLimit(before, { ...before, devices: placedPast.slice(0, 3).map((d) => ({ ...d, label: `disk ${d.key}` })) }, notes);
    expect(notes).toEqual(['disk vda, disk vdb, disk vdc would need a bus past 255, which no PCI bus number can be: libvirt would refuse the domain; left without an address']);
    const bridge = { ...controller('pci-bridge', 5), key: 'pb' };
    const withBridge = { ...before, controllers: [...before.controllers, bridge] };
    notes = [];
    const out2 = withoutControllersPastIndexLimit(withBridge, { ...withBridge, controllers: [before.controllers[0] as PciController, { ...bridge, address: at(260, 1) }], devices: placedPast }, notes);
    expect(out2.controllers.find((c) => c.key === 'pb')?.address).toBeUndefined();
    expect(notes).toEqual(['5 devices and controllers would need a bus past 255, which no PCI bus number can be: libvirt would refuse the domain; left without an address']);
    notes = [];
    withoutControllersPastIndexLimit(withBridge, { ...withBridge, controllers: [before.controllers[0] as PciController, { ...bridge, address: at(260, 1) }] }, notes);
    expect(notes).toEqual(['pci-bridge 5 would need a bus past 255, which no PCI bus number can be: libvirt would refuse the domain; left without an address']);
  });

  it('nothing added past 255: the same guest back, no note', () => {
    const g = guestOf('q35', { controllers: [controller('pcie-root', 0), controller('pcie-root-port', 1, at(0, 1))] });
    const notes: string[] = [];
    expect(withoutControllersPastIndexLimit(g, g, notes)).toBe(g);
    expect(notes).toEqual([]);
  });
});

describe('withoutPhbsPastTargetRange (libvirt refuses a vPHB past target index 30: virDomainControllerDefValidate, qemuDomainAddressFindNewTargetIndex)', () => {
  const phbs = Array.from({ length: 31 }, (_, i) => phb(i, i));
  const before = guestOf('pseries', { controllers: phbs, devices: [] });

  it('nothing added past the range: the guest as it was, no note', () => {
    const after = { ...before, devices: [emulated({ key: 'vda', address: at(30, 1) })] };
    const notes: string[] = [];
    expect(withoutPhbsPastTargetRange(before, after, notes)).toBe(after);
    expect(notes).toEqual([]);
  });

  it('one vPHB added with target index 31: not written, nor what place put on it; the note in the singular', () => {
    const nic = emulated({ key: 'nic', element: 'interface', address: at(31, 1) });
    const onIt = { ...controller('pci-bridge', 32, at(31, 2)), key: 'bridge' };
    const after = { ...before, controllers: [...phbs, phb(31, 31), onIt], devices: [emulated({ key: 'vda', address: at(30, 1) }), nic] };
    const notes: string[] = [];
    const out = withoutPhbsPastTargetRange(before, after, notes);
    expect(out.controllers.map((c) => c.index)).toEqual([...phbs.map((c) => c.index), 32]);
    expect(out.controllers.find((c) => c.key === 'bridge')?.address).toBeUndefined();
    expect(Object.fromEntries(out.devices.map((d) => [d.key, d.address?.bus]))).toEqual({ vda: 30, nic: undefined });
    expect(notes).toEqual([`libvirt would add vPHB 31 for devices the 31 vPHBs have no room for, and refuse the domain ("PCI controller target index '31' out of range - must be 0-30"); it is not written, nor the addresses on it`]);
  });

  it('two added, the first already without a target index: libvirt\'s "No usable target index found", the note in the plural; an address the design wrote on that bus stays', () => {
    const mine = emulated({ key: 'mine', address: at(31, 3) });
    const beforeMine = { ...before, devices: [mine] };
    const after = { ...beforeMine, controllers: [...phbs, phb(31), phb(32)], devices: [mine, emulated({ key: 'placed', address: at(32, 1) })] };
    const notes: string[] = [];
    const out = withoutPhbsPastTargetRange(beforeMine, after, notes);
    expect(out.controllers).toHaveLength(31);
    expect(Object.fromEntries(out.devices.map((d) => [d.key, d.address?.bus]))).toEqual({ mine: 31, placed: undefined });
    expect(notes).toEqual(['libvirt would add 2 vPHBs from 31 on for devices the 31 vPHBs have no room for, and refuse the domain ("No usable target index found"); they are not written, nor the addresses on them']);
  });

  it('a vPHB the design has keeps its target index past the range (the rules report it: PAPR-PHB-2), and only pci-roots count', () => {
    const written = phb(31, 40);
    const mine = guestOf('pseries', { controllers: [...phbs, written], devices: [] });
    const after = { ...mine, controllers: [...mine.controllers, { ...controller('pci-bridge', 33, at(1, 1)), key: 'pb' }] };
    const notes: string[] = [];
    expect(withoutPhbsPastTargetRange(mine, after, notes)).toBe(after);
    expect(notes).toEqual([]);
  });
});
