import { describe, expect, it } from 'vitest';
import type { PciController } from '../model/guest.ts';
import { I440FX, PSERIES, Q35 } from '../machines/index.ts';
import { applyCommand } from '../commands/commands.ts';
import { createDesign } from '../xml/domain.ts';
import { qemuDomainAddressFindNewTargetIndex, qemuDomainImpliedPCIControllers, qemuDomainPCIControllerSetDefaults, qemuDomainPCIControllersSetDefaults } from './qemuDomainAddress.ts';

/** The switch at the end of qemuDomainAssignPCIAddresses(): every default of a PCI controller, in one place. */
const ctrl = (index: number, model: string, extra: Partial<PciController> = {}): PciController => ({ key: `c${index}`, index, model, target: {}, ...extra });
const at = (bus: number, slot: number, fn = 0) => ({ domain: 0, bus, slot, function: fn });

describe('qemuDomainPCIControllerSetDefaults', () => {
  it('root port: model name, chassis = index, port = slot*8 + function; downstream port: port = slot', () => {
    expect(qemuDomainPCIControllerSetDefaults(ctrl(5, 'pcie-root-port', { address: at(0, 2, 3) }), [], Q35)).toMatchObject({ modelName: 'pcie-root-port', target: { chassis: 5, port: 19 } });
    expect(qemuDomainPCIControllerSetDefaults(ctrl(7, 'pcie-switch-downstream-port', { address: at(6, 4) }), [], Q35)).toMatchObject({ modelName: 'xio3130-downstream', target: { chassis: 7, port: 4 } });
  });

  it('what is written stays: a written chassis keeps, the port is still filled in', () => {
    expect(qemuDomainPCIControllerSetDefaults(ctrl(5, 'pcie-root-port', { address: at(0, 1), target: { chassis: 9 } }), [], Q35).target).toEqual({ chassis: 9, port: 8 });
    const named = ctrl(2, 'pcie-root-port', { modelName: 'ioh3420', target: { chassis: 2, port: 3 } });
    expect(qemuDomainPCIControllerSetDefaults(named, [], Q35)).toBe(named);
  });

  it("pci-bridge: chassisNr = index; expander: busNr two below the lowest in use, none when that would be 2 or less", () => {
    expect(qemuDomainPCIControllerSetDefaults(ctrl(3, 'pci-bridge'), [], I440FX).target).toEqual({ chassisNr: 3 });
    expect(qemuDomainPCIControllerSetDefaults(ctrl(1, 'pci-expander-bus'), [], I440FX).target).toEqual({ busNr: 254 });
    expect(qemuDomainPCIControllerSetDefaults(ctrl(2, 'pcie-expander-bus'), [ctrl(1, 'pcie-expander-bus', { target: { busNr: 100 } })], Q35).target).toEqual({ busNr: 98 });
    expect(qemuDomainPCIControllerSetDefaults(ctrl(2, 'pci-expander-bus'), [ctrl(1, 'pci-expander-bus', { target: { busNr: 2 } })], I440FX).target).toEqual({});
  });

  it('pseries PHB: spapr-pci-host-bridge, target index 0 for index 0, else the lowest free from 1; none left past 31; pci-root elsewhere gets neither', () => {
    expect(qemuDomainPCIControllerSetDefaults(ctrl(0, 'pci-root'), [], PSERIES)).toMatchObject({ modelName: 'spapr-pci-host-bridge', target: { index: 0 } });
    expect(qemuDomainPCIControllerSetDefaults(ctrl(4, 'pci-root'), [ctrl(1, 'pci-root', { target: { index: 1 } })], PSERIES).target).toEqual({ index: 2 });
    const full = Array.from({ length: 31 }, (_, i) => ctrl(i + 1, 'pci-root', { target: { index: i + 1 } }));
    expect(qemuDomainPCIControllerSetDefaults(ctrl(40, 'pci-root'), full, PSERIES).target).toEqual({});
    // d12: a PHB written without <model name> is not a PHB to libvirt's search until its own turn (index order)
    const later = ctrl(5, 'pci-root', { target: { index: 1 } });
    expect(qemuDomainPCIControllerSetDefaults(ctrl(4, 'pci-root'), [later], PSERIES).target).toEqual({ index: 1 });
    expect(qemuDomainPCIControllerSetDefaults(ctrl(6, 'pci-root'), [later], PSERIES).target).toEqual({ index: 2 });
    const plain = ctrl(0, 'pci-root');
    expect(qemuDomainPCIControllerSetDefaults(plain, [], I440FX)).toBe(plain);
  });

  it('over a list, target indexes go in index order whatever the list order', () => {
    const out = qemuDomainPCIControllersSetDefaults([ctrl(2, 'pci-root'), ctrl(0, 'pci-root'), ctrl(1, 'pci-root')], PSERIES);
    expect(out.map((c) => `${c.index}:${c.target.index}`)).toEqual(['2:2', '0:0', '1:1']);
  });

  it('the add-controller command fills them the same way (one switch for commands, placement and the designer)', () => {
    const r = createDesign("<domain type='kvm'><name>q</name><memory>1</memory><os><type arch='x86_64' machine='q35'>hvm</type></os><devices/></domain>");
    if (!r.ok) throw new Error(r.error.message);
    const d = applyCommand(r.value, { kind: 'add-controller', controller: { model: 'pcie-root-port', target: { chassis: 9 }, address: at(0, 3, 1) } });
    expect(d.guest.controllers.at(-1)).toMatchObject({ index: 1, modelName: 'pcie-root-port', target: { chassis: 9, port: 25 } });
  });
});

describe('qemuDomainAddressFindNewTargetIndex', () => {
  /** libvirt's own search, index by index over the list (qemuDomainAddressFindNewTargetIndex). */
  const naive = (cs: readonly PciController[]): number | undefined => {
    for (let t = 1; t <= 31; t++) if (!cs.some((c) => c.model === 'pci-root' && c.target.index === t)) return t;
    return undefined;
  };
  const odd = [undefined, 0, 1, 2, 5, 17, 30, 31, 32, -1, 1.5, 255];

  it("answers as the search index by index does, on lists with target indexes outside 1..31, other models and every index taken", () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    for (let round = 0; round < 400; round++) {
      const full = round % 5 === 0;
      const cs = Array.from({ length: full ? 40 : rnd(40) }, (_, i) =>
        ctrl(i, rnd(6) === 0 ? 'pcie-root-port' : 'pci-root', { target: { index: full ? (i % 31) + 1 : odd[rnd(odd.length)] } }),
      );
      expect(qemuDomainAddressFindNewTargetIndex(cs)).toBe(naive(cs));
    }
    // no rounding: 1.5 and 31.5 take no index, 31 alone leaves 1
    expect(qemuDomainAddressFindNewTargetIndex([ctrl(1, 'pci-root', { target: { index: 1.5 } })])).toBe(1);
    expect(qemuDomainAddressFindNewTargetIndex(Array.from({ length: 30 }, (_, i) => ctrl(i, 'pci-root', { target: { index: i + 1 } })).concat(ctrl(40, 'pci-root', { target: { index: 31.5 } })))).toBe(31);
  });

  it('a pseries design with thousands of PHBs without target indexes gets 1..31 in index order and none after (one pass per PHB)', () => {
    const phbs = Array.from({ length: 5000 }, (_, i) => ctrl(i, 'pci-root'));
    const out = qemuDomainPCIControllersSetDefaults(phbs, PSERIES);
    expect(out.slice(0, 33).map((c) => c.target.index)).toEqual([0, ...Array.from({ length: 31 }, (_, i) => i + 1), undefined]);
    expect(out.filter((c) => c.target.index !== undefined)).toHaveLength(32);
  });
});

describe('qemuDomainPCIControllersSetDefaults: PHB target indexes', () => {
  /**
   * libvirt's walk as written: controllers by index (written ones first under 'written-first'),
   * each pseries PHB without a target index taking the lowest of 1..31 that no PHB the search sees
   * holds, searched index by index over the whole list (qemuDomainAddressFindNewTargetIndex()),
   * where the search sees a PHB named spapr-pci-host-bridge by then (virDomainControllerIsPSeriesPHB()):
   * written with the name, or unnamed and earlier by index.
   */
  const libvirtWalk = (input: readonly PciController[], order?: 'written-first', added?: ReadonlySet<string>): (number | undefined)[] => {
    const out = input.slice();
    const rank = (c: PciController) => (order === 'written-first' && (c.implicit || added?.has(c.key)) && c.index !== 0 ? 1 : 0);
    const turns = out.map((c, i) => ({ c, i })).sort((a, b) => rank(a.c) - rank(b.c) || (a.c.index ?? Number.MAX_SAFE_INTEGER) - (b.c.index ?? Number.MAX_SAFE_INTEGER) || a.i - b.i);
    for (const { c, i } of turns) {
      if (c.model !== 'pci-root') continue;
      let index = c.target.index;
      if (index === undefined) {
        const sees = (x: PciController) => x.modelName === 'spapr-pci-host-bridge' || (x.modelName === undefined && x.index !== undefined && c.index !== undefined && x.index < c.index);
        if (c.index === 0) index = 0;
        else for (let t = 1; t <= 31 && index === undefined; t++) if (!out.some((x) => x.model === 'pci-root' && x.target.index === t && sees(x))) index = t;
      }
      out[i] = { ...c, modelName: c.modelName ?? 'spapr-pci-host-bridge', target: index === undefined ? c.target : { ...c.target, index } };
    }
    return out.map((c) => c.target.index);
  };

  it('the one-pass search gives what the walk searching the list index by index gives, on random lists (names written or not, indexes in any order, written-first)', () => {
    let seed = 11;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    const targets = [undefined, undefined, undefined, 0, 1, 2, 3, 5, 17, 30, 31, 32, 1.5];
    const names = [undefined, undefined, 'spapr-pci-host-bridge', 'other-phb'];
    const indexes = [undefined, 0, 1, 2, 3, 4, 6, 9, 20, 40];
    for (let round = 0; round < 600; round++) {
      const full = round % 7 === 0;
      const cs = Array.from({ length: full ? 45 : rnd(45) }, (_, i) => {
        const modelName = names[rnd(names.length)];
        const c: PciController = {
          key: `c${i}`,
          index: full ? (i * 7) % 45 : indexes[rnd(indexes.length)],
          model: rnd(8) === 0 ? 'pci-bridge' : 'pci-root',
          target: { index: full && i % 3 === 0 ? undefined : targets[rnd(targets.length)] },
          ...(modelName === undefined ? {} : { modelName }),
          ...(rnd(5) === 0 ? { implicit: true } : {}),
        };
        return c;
      });
      const added = new Set(cs.filter(() => rnd(6) === 0).map((c) => c.key));
      expect(qemuDomainPCIControllersSetDefaults(cs, PSERIES).map((c) => c.target.index)).toEqual(libvirtWalk(cs));
      expect(qemuDomainPCIControllersSetDefaults(cs, PSERIES, { order: 'written-first', added }).map((c) => c.target.index)).toEqual(libvirtWalk(cs, 'written-first', added));
    }
    // an unnamed PHB of the same index, listed after: not named yet on the searching one's turn
    const twins = [ctrl(4, 'pci-root'), ctrl(4, 'pci-root', { target: { index: 1 } })];
    expect(qemuDomainPCIControllersSetDefaults(twins, PSERIES).map((c) => c.target.index)).toEqual([1, 1]);
    expect(libvirtWalk(twins)).toEqual([1, 1]);
  });

  it('reads the list a bounded number of times, not once per PHB: 1,600 PHBs holding 0..2 and 250 without a target index after them', () => {
    // the shape of a 1 MiB domain of repeated PHBs whose addresses imply 250 more (bench/xml.bench.ts)
    let reads = 0;
    const counted = (c: PciController): PciController => {
      const target = c.target;
      return Object.defineProperty({ ...c }, 'target', { enumerable: true, get: () => (reads++, target) });
    };
    const written = Array.from({ length: 1600 }, (_, i) => counted(ctrl(i % 3, 'pci-root', { modelName: 'spapr-pci-host-bridge', target: { index: i % 3 } })));
    const implied = Array.from({ length: 250 }, (_, i) => counted(ctrl(3 + i, 'pci-root', { implicit: true })));
    const out = qemuDomainPCIControllersSetDefaults([...written, ...implied], PSERIES);
    expect(out.slice(1600, 1629).map((c) => c.target.index)).toEqual(Array.from({ length: 29 }, (_, i) => i + 3));
    expect(out.slice(1629).every((c) => c.target.index === undefined)).toBe(true);
    // each controller's target is read a few times on its own turn and once by the search; a scan per PHB reads it 250 times
    expect(reads).toBeLessThan(10 * 1850);
  });
});

describe('qemuDomainImpliedPCIControllers (GEN-IDX-5)', () => {
  const guest = (controllers: PciController[], buses: number[] = []) => ({
    controllers,
    devices: buses.map((bus, i) => ({ key: `d${i}`, element: 'rng' as const, label: 'rng', address: at(bus, 1) })),
  });

  it('adds the machine default bus for every index below the highest a controller has or an address names', () => {
    const added = qemuDomainImpliedPCIControllers(guest([ctrl(0, 'pcie-root'), ctrl(4, 'pcie-root-port')], [2]), Q35, { implicit: true });
    expect(added.map((c) => `${c.index} ${c.model} ${c.target.chassis}`)).toEqual(['1 pcie-root-port 1', '2 pcie-root-port 2', '3 pcie-root-port 3']);
    expect(added.every((c) => c.implicit)).toBe(true);
  });

  it('pseries: PHBs, whose target indexes follow libvirt: a written PHB below them takes its own first', () => {
    const added = qemuDomainImpliedPCIControllers(guest([ctrl(0, 'pci-root'), ctrl(1, 'pci-root')], [2]), PSERIES, { implicit: false });
    expect(added.map((c) => `${c.index} ${c.target.index}`)).toEqual(['2 2']);
    expect(added[0]?.implicit).toBeUndefined();
  });

  it('pseries: none when the gaps need more PHBs than target indexes 1-31 (libvirt refuses the domain)', () => {
    expect(qemuDomainImpliedPCIControllers(guest([ctrl(0, 'pci-root'), ctrl(31, 'pci-root')]), PSERIES, { implicit: true })).toHaveLength(30);
    expect(qemuDomainImpliedPCIControllers(guest([ctrl(0, 'pci-root'), ctrl(32, 'pci-root')]), PSERIES, { implicit: true })).toEqual([]);
  });

  it('nothing for a guest without gaps, and nothing above bus 255', () => {
    expect(qemuDomainImpliedPCIControllers(guest([ctrl(0, 'pci-root'), ctrl(1, 'pci-bridge')], [1, 300]), I440FX, { implicit: true })).toEqual([]);
  });
});
