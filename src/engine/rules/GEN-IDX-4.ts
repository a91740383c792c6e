import type { Rule, RuleMeta } from './types.ts';
import type { PciController } from '../model/guest.ts';
import { formatNumber } from '../model/names.ts';
import { finding, nextFreeIndex } from './context.ts';
import { addedByLibvirt, atDefine, definedControllerText, placesAnything } from './atDefine.ts';
import { globalRule } from './define.ts';
import { controllerAddressFixes, deviceName } from './fixes.ts';
import { at, ctrl, design, dev, pseries, q35, virt } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-IDX-4',
  severity: 'error',
  title: "A controller's index is larger than the bus it plugs into",
  why: 'A bus must exist before what plugs into it: libvirt refuses a pci-bridge whose index is not larger than its bus, and QEMU, which creates PCI controllers in index order, refuses any other such controller at start.',
  source: 'libvirt src/qemu/qemu_domain_address.c qemuDomainAssignPCIAddresses ("PCI controller at index N has bus=…, but index must be larger than bus": pci-bridge only); every other kind: libvirt keeps PCI controllers in index order (src/conf/domain_conf.c virDomainControllerInsertPreAlloced) and puts them on the command line so, and QEMU qdev_device_add refuses a bus not created yet ("Bus \'pci.N\' not found"); for a controller libvirt places: qemuDomainAssignDevicePCISlots (controllers in index order, on the first compatible bus, src/conf/domain_addr.c virDomainPCIAddressGetNextAddr) and QEMU qdev_device_add ("Bus \'pci.N\' not found")',
  families: 'all',
};

// Buses are named as the XML writes them (bus='0x11'); QEMU's bus id pci.N is the controller index in decimal.
const isRoot = (c: PciController): boolean => c.model === 'pci-root' || c.model === 'pcie-root';

/**
 * The finding's words for a controller written on a bus numbered at or after it. libvirt checks this
 * for pci-bridge only (qemuDomainAssignPCIAddresses, after it has placed everything); any other kind
 * it accepts, and QEMU, given the controllers in index order, refuses at start for want of the bus.
 */
function writtenMessage(c: PciController, bus: number): string {
  const written = `PCI controller at index ${c.index} (${c.model}) has bus='${formatNumber('bus', bus)}'`;
  if (c.model === 'pci-bridge') return `${written}, but its index must be larger than its bus: libvirt refuses the domain.`;
  return `${written}: libvirt accepts it, but QEMU creates PCI controllers in index order and refuses to start ("Bus 'pci.${bus}' not found"). Its index must be larger than its bus.`;
}

/** Who refuses a controller libvirt places on a bus numbered at or after it, in their words (as above). */
function refusal(model: string, index: number, bus: number): string {
  const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;
  if (model === 'pci-bridge') return `libvirt refuses the domain ("PCI controller at index ${index} (${hex(index)}) has bus='${hex(bus)}', but index must be larger than bus")`;
  return `QEMU refuses to start ("Bus 'pci.${bus}' not found")`;
}

export const rule: Rule = globalRule(meta, (ctx) => {
  // on a bus no controller has, libvirt adds one only for a switch upstream port
  // (virDomainPCIAddressSetGrow) and refuses any other controller at define, before QEMU sees it:
  // GEN-ADDR-2 says so
  const busRefused = (c: PciController, bus: number): boolean => !ctx.controllerByIndex.has(bus) && c.model !== 'pcie-switch-upstream-port';
  const out = ctx.guest.controllers
    .filter((c) => c.index !== undefined && c.address && !isRoot(c) && c.index <= c.address.bus && !busRefused(c, c.address.bus))
    .map((c) => finding(meta, writtenMessage(c, c.address?.bus ?? 0), { controllers: [c.index as number] }, controllerAddressFixes(ctx, c, { renumber: true })));
  // A controller the design leaves to libvirt: libvirt places it in index order on the first bus
  // that takes it, which may be a controller of a higher index (d11), or its own bus (a pci-bridge
  // when no bus before it has room).
  const defined = atDefine(ctx, placesAnything);
  if (!defined) return out;
  const unaddressed = new Set(ctx.design.guest.controllers.filter((c) => !c.address).map((c) => c.key));
  const addressedDevices = new Set(ctx.design.guest.devices.filter((d) => d.address).map((d) => d.key));
  for (const c of defined.guest.controllers) {
    const a = c.address;
    if (!a || c.index === undefined || isRoot(c) || c.index > a.bus) continue;
    const parent = defined.guest.controllers.find((p) => p.index === a.bus);
    const where =
      a.bus === c.index
        ? `on bus ${formatNumber('bus', a.bus)}, its own bus: ${refusal(c.model, c.index, a.bus)}`
        : `on bus ${formatNumber('bus', a.bus)} (${parent ? definedControllerText(defined, parent) : 'a bus'}), which comes after it: ${refusal(c.model, c.index, a.bus)}`;
    if (addedByLibvirt(defined, c)) {
      // A bus libvirt adds for devices left without an address (virDomainPCIAddressSetGrow) needs
      // a slot itself, and takes the first free one, which is on the new bus when the buses before
      // it are full: the domain is refused whatever else is written (pci-many.xml with one more NIC).
      const takers = defined.guest.devices.filter((d) => d.address?.bus === c.index && !addressedDevices.has(d.key));
      out.push(
        finding(
          meta,
          `libvirt adds ${c.model} index ${c.index} at define${takers.length ? ` for ${takers.map((d) => deviceName(d)).join(', ')}` : ''} and, with no free slot on the buses before it, puts it ${where}. Free a slot on a bus that exists, or give the devices addresses on a bus with room.`,
          // the devices libvirt adds itself (the memballoon) are named, but are no subject: not in the design
          { controllers: [c.index], devices: takers.filter((d) => !d.implicit).map((d) => d.key) },
        ),
      );
      continue;
    }
    if (!unaddressed.has(c.key)) continue;
    const written = ctx.design.guest.controllers.find((x) => x.key === c.key) as PciController;
    const index = nextFreeIndex(ctx.guest);
    out.push(
      finding(
        meta,
        `libvirt will put ${c.model} controller index ${c.index} ${where}. A controller's index must be larger than its bus.`,
        { controllers: [c.index] },
        [{ label: `Renumber ${c.model} controller index ${c.index} to index ${index}, after its bus`, command: { kind: 'update-controller', controller: written.key, changes: { index } } }],
      ),
    );
  }
  return out;
});

/**
 * An i440fx guest whose pci-root has no free slot but `free` (slot 1 is PIIX3's, the rest hold
 * written disks), with `more` devices, and its memballoon as `balloon` says ('none': libvirt adds none).
 */
function pcFull(more: ReturnType<typeof dev>[], free: readonly number[] = [], balloon?: 'none'): ReturnType<typeof design> {
  const disks = Array.from({ length: 30 }, (_, i) => i + 2)
    .filter((slot) => !free.includes(slot))
    .map((slot) => dev(`vd${slot}`, 'disk', at(0, slot)));
  const balloons = balloon ? [dev('balloon', 'memballoon', undefined, { model: balloon })] : [];
  return design({ machine: 'pc', controllers: [ctrl('pci-root', 0)], devices: [...disks, ...more, ...balloons] });
}

export const cases = {
  pass: [
    // a disk on bus 2 that no controller has, and one free root slot: libvirt adds pci-bridges 1 and 2 (virDomainPCIAddressSetGrow), 1 on the root, 2 on 1
    { name: 'i440fx: the bridges libvirt adds for a written bus find room', design: pcFull([dev('vdb', 'disk', at(2, 1))], [31], 'none') },
    // every slot written and nothing for libvirt to add: no bus grows
    { name: 'i440fx: pci-root full, nothing libvirt adds', design: pcFull([], [], 'none') },
    { name: 'bridge 1 on bus 0', design: pseries([ctrl('pci-bridge', 1, { address: at(0, 1), target: { chassisNr: 1 } })], []) },
    { name: 'libvirt places an upstream port on the root port numbered before it', design: q35([ctrl('pcie-root-port', 1), ctrl('pcie-switch-upstream-port', 2)], []) },
    // a root port on bus 8, which no controller has: libvirt refuses it at define (GEN-ADDR-2), QEMU never sees it
    { name: 'a root port on a bus libvirt cannot add', design: q35([ctrl('pcie-root-port', 2, { address: at(8, 0), target: { chassis: 2 } })], []) },
  ],
  fail: [
    {
      name: 'bridge 1 on bridge 2',
      design: pseries([ctrl('pci-bridge', 1, { address: at(2, 1), target: { chassisNr: 1 } }), ctrl('pci-bridge', 2, { address: at(0, 1), target: { chassisNr: 2 } })], []),
      expect: { controllers: [1] },
    },
    // r03-virt-controller-index-not-above-bus: a root port on its own bus; libvirt can place it on pcie-root
    { name: 'root port on its own bus', design: virt([ctrl('pcie-root-port', 1, { address: at(1, 0), target: { chassis: 1, port: 0 } })], []), expect: { controllers: [1] } },
    // d11-q35-upstream-port-before-its-root-port: libvirt puts upstream port 1 on root port 2
    { name: 'libvirt places an upstream port on a root port numbered after it', design: q35([ctrl('pcie-switch-upstream-port', 1), ctrl('pcie-root-port', 2)], []), expect: { controllers: [1] } },
    // fuzz seeds 5 and 12: a disk written on bus 2, which no controller has, beside a full pci-root: the
    // pci-bridge 1 libvirt adds for it (virDomainPCIAddressSetGrow) finds no slot before its own bus
    { name: 'i440fx: pci-root full and a disk on a bus no controller has', design: pcFull([dev('vdb', 'disk', at(2, 1))], [], 'none'), expect: { controllers: [1] } },
    // every device written, but libvirt adds a memballoon (virDomainDefPostParse) and grows a bus for it
    { name: 'i440fx: pci-root full and the memballoon libvirt adds', design: pcFull([]), expect: { controllers: [1] } },
  ],
};
