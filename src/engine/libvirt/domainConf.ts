import type { Guest, GuestDevice, PciController } from '../model/guest.ts';
import { freshDeviceKey } from '../model/keys.ts';
import { MAX_PCI_SLOTS } from './limits.ts';
import type { LibvirtMachine } from './qemuDomain.ts';
import { qemuDomainDefAddDefaultDevices, qemuDomainDefAddDefaultRoot } from './qemuDomain.ts';

/**
 * The generic part of libvirt's define, src/conf/domain_conf.c (libvirt 10.7): how controllers
 * written without an index get one, and the post-parse steps that add to a domain's PCI topology.
 */

/**
 * virDomainAssignControllerIndexes() (GEN-IDX-6): a PCI controller written without `index` gets
 * the lowest index no PCI controller uses, in document order, before libvirt adds the default
 * root. An index written but unreadable is not "no index": libvirt refuses the domain (GEN-IDX-1),
 * and filling one in would silently rewrite what the user wrote, so it stays without one.
 * Returns the same array when nothing changes; otherwise controllers that change are new objects.
 */
export function virDomainAssignControllerIndexes(controllers: readonly PciController[]): readonly PciController[] {
  if (!controllers.some((c) => c.index === undefined && !unreadableIndex(c))) return controllers;
  const used = new Set<number>();
  for (const c of controllers) if (c.index !== undefined) used.add(c.index);
  return controllers.map((c) => {
    if (c.index !== undefined || unreadableIndex(c)) return c;
    let i = 0;
    while (used.has(i)) i++;
    used.add(i);
    return { ...c, index: i };
  });
}

const ICH9_USB2 = new Set(['ich9-ehci1', 'ich9-uhci1', 'ich9-uhci2', 'ich9-uhci3']);
const isUsb2 = (d: GuestDevice): boolean => d.element === 'controller' && d.type === 'usb' && ICH9_USB2.has(d.model ?? '');

/**
 * The order libvirt keeps the controller types of def->controllers in, from the `type` of each
 * `<controller>` as written (undefined for none): virDomainDefControllersParse()
 * (src/conf/domain_conf.c) inserts each controller with virDomainControllerInsertPreAlloced(),
 * which puts it after the last controller of its type, or at the end when its type is new. So the
 * types keep the order of their first element, and every controller of a type sits in that type's
 * group wherever it is written. Returns the types ('' for a controller without one) when the PCI
 * controllers ('pci') come before another type; undefined when they come last or there are none,
 * which is what a guest without {@link Guest.controllerTypeOrder} means.
 */
export function virDomainControllerTypeOrder(types: readonly (string | undefined)[]): readonly string[] | undefined {
  const order: string[] = [];
  for (const t of types) if (!order.includes(t ?? '')) order.push(t ?? '');
  const pci = order.indexOf('pci');
  return pci >= 0 && pci < order.length - 1 ? order : undefined;
}

/**
 * virDomainAssignControllerIndexes() for the other controllers (usb, sata, scsi, ide,
 * virtio-serial, …): one written without `index` gets the lowest index its type leaves unused, in
 * document order; except an ICH9 USB2 controller that follows another of a different model whose
 * set (index) has none of its model yet: it joins that set ("USB2 controllers are the only
 * exception"), so `ehci1, uhci1, uhci2, uhci3` written without indexes are one set, index 0.
 * One whose index is written but unreadable keeps none. Returns the same array when nothing changes.
 */
export function virDomainAssignDeviceControllerIndexes(devices: readonly GuestDevice[]): readonly GuestDevice[] {
  if (!devices.some((d) => d.element === 'controller' && d.index === undefined && d.unreadableIndex === undefined)) return devices;
  const used = new Map<string, Set<number>>();
  const usedOf = (type: string): Set<number> => used.get(type) ?? used.set(type, new Set()).get(type) ?? new Set();
  for (const d of devices) if (d.element === 'controller' && d.index !== undefined) usedOf(d.type ?? '').add(d.index);
  const out = devices.slice();
  let prev: GuestDevice | undefined;
  for (const [i, d] of out.entries()) {
    if (d.element !== 'controller') continue;
    const sameType = prev?.type === d.type ? prev : undefined;
    if (d.type === 'usb') prev = d;
    // an index written but unreadable is no "index not written": libvirt refuses the domain at
    // parse (GEN-IDX-1) and never numbers it, so neither is one invented here
    if (d.index !== undefined || d.unreadableIndex !== undefined) continue;
    let index: number | undefined;
    if (isUsb2(d) && sameType && isUsb2(sameType) && sameType.model !== d.model) {
      const set = sameType.index;
      if (set !== undefined && !out.some((x) => isUsb2(x) && x.index === set && x.model === d.model)) index = set;
    }
    if (index === undefined) {
      const taken = usedOf(d.type ?? '');
      index = 0;
      while (taken.has(index)) index++;
      taken.add(index);
    }
    const next = { ...d, index };
    out[i] = next;
    if (d.type === 'usb') prev = next;
  }
  return out;
}

/** `index='-1'`, `index='x'`: written, but not a number libvirt reads. */
export function unreadableIndex(c: PciController): boolean {
  return c.unreadable?.some((u) => u.startsWith('index=')) ?? false;
}

/**
 * virDomainDefRejectDuplicateControllers() (src/conf/domain_postparse.c, libvirt 10.7, from
 * virDomainDefPostParseCommon, before any address is assigned): two PCI controllers with one
 * index make libvirt refuse the domain ("Multiple 'pci' controllers with index '0'"; USB is the
 * one type that may repeat an index). `controllers` as numbered by
 * {@link virDomainAssignControllerIndexes}. Returns libvirt's message for the first repeated
 * index, undefined when every index is used once.
 */
export function virDomainDefRejectDuplicateControllersError(controllers: readonly PciController[]): string | undefined {
  const seen = new Set<number>();
  for (const c of controllers) {
    if (c.index === undefined) continue;
    if (seen.has(c.index)) return `Multiple 'pci' controllers with index '${c.index}'`;
    seen.add(c.index);
  }
  return undefined;
}

/**
 * virDomainControllerDefParseXML()'s refusal of a controller's index (src/conf/domain_conf.c,
 * libvirt 10.7: src/util/virxml.c virXMLPropInt, base 10, VIR_XML_PROP_NONNEGATIVE): an index
 * written negative ("… Expected non-negative value", libvirt's test pci-bridge-negative-index-invalid)
 * or not as a decimal integer ("… Expected integer value") makes libvirt refuse the whole domain
 * at parse, before anything is defined or placed. Returns libvirt's message for the first such
 * PCI controller, undefined when every written index is readable and non-negative.
 */
export function virDomainControllerDefParseXMLIndexError(controllers: readonly PciController[]): string | undefined {
  for (const c of controllers) {
    const unreadable = c.unreadable?.find((u) => u.startsWith('index='));
    if (unreadable !== undefined) return `Invalid value for attribute 'index' in element 'controller': '${unreadable.slice('index='.length).replace(/^'|'$/g, '')}'. Expected integer value`;
    if (c.index !== undefined && c.index < 0) return `Invalid value for attribute 'index' in element 'controller': '${c.index}'. Expected non-negative value`;
  }
  return undefined;
}

/**
 * The parse refusal of any other value written where libvirt reads one and cannot: a PCI
 * controller's `<target>` attribute or `<node>` and its `ports` (virDomainControllerDefParseXML
 * reads them all, whatever the model, before any validation), or a part of a `<address type='pci'>`
 * of a controller or device (virPCIDeviceAddressParseXML: virXMLPropUInt in base 0, and
 * `multifunction` by virXMLPropTristateSwitch, on or off only). libvirt refuses the whole
 * domain at parse, before any default is filled in, so nothing may be written in its place.
 * Returns which value, as written, and where, for the first one; undefined when all are readable.
 */
export function virDomainDefParseXMLUnreadableError(guest: Pick<Guest, 'controllers' | 'devices'>): string | undefined {
  for (const c of guest.controllers) {
    // index= and model='' are virDomainControllerDefParseXMLError's
    const u = c.unreadable?.find((x) => !x.startsWith('index=') && x !== "model=''");
    if (u === undefined) continue;
    const where = u.startsWith('address ') ? 'the <address> of' : u.startsWith('target ') ? 'the <target> of' : 'the <controller> element of';
    const what = /^(?:address |target )?(?:multifunction|hotplug)=/.test(u) ? 'as on or off' : 'as a number';
    return `${where} ${c.model || 'pci'} controller ${c.index ?? '(index unreadable)'} has ${u.replace(/^(address|target) /, '')}, which libvirt cannot read ${what} (virDomainControllerDefParseXML)`;
  }
  for (const d of guest.devices) {
    const other = d.unreadableAttributes?.find((x) => x.startsWith('address ') || x.startsWith('source address '));
    if (other !== undefined) return `${other.startsWith('source ') ? 'the host <source> address' : 'the <address>'} of ${d.label || d.element} has ${other.replace(/^(source )?address /, '')}, which libvirt cannot read as a non-negative integer (virDomainDeviceInfoParseXML)`;
    const u = d.unreadable?.[0];
    if (u !== undefined) return `the PCI <address> of ${d.label || d.element} has ${u}, which libvirt cannot read ${u.startsWith('multifunction=') ? 'as on or off' : 'as a number'} (virPCIDeviceAddressParseXML)`;
  }
  return undefined;
}

/**
 * virDiskNameToIndex() (src/util/virutil.c): the disk index a target name stands for, after its
 * prefix (fd, hd, vd, sd, xvd, ubd): `a`..`z` are 0..25, `aa` is 26 (partition digits may follow);
 * undefined for a name libvirt does not read.
 */
export function virDiskNameToIndex(name: string): number | undefined {
  const m = /^(?:fd|hd|vd|sd|xvd|ubd)([a-z]+)\d*$/.exec(name);
  if (!m) return undefined;
  const letters = m[1] ?? '';
  let idx = 0;
  for (let i = 0; i < letters.length; i++) idx = (idx + (i < 1 ? 0 : 1)) * 26 + (letters.charCodeAt(i) - 97);
  return idx;
}

/** The controller type a disk bus needs, and how many disks a controller of it takes (virDomainDiskDefAssignAddress). */
const DISK_CONTROLLERS: Readonly<Record<string, { readonly type: string; readonly perController: number }>> = {
  scsi: { type: 'scsi', perController: 7 },
  fdc: { type: 'fdc', perController: 2 },
  ide: { type: 'ide', perController: 4 },
  sata: { type: 'sata', perController: 6 },
};

/**
 * The controller index a disk sits on: its `<address type='drive' controller>` when written, else
 * the one virDomainDiskDefAssignAddress() derives from its target name (src/conf/domain_conf.c:
 * 7 SCSI units, 4 IDE units (2 buses × 2), 6 SATA ports, 2 floppies per controller: `sdg` on SATA
 * is controller 1). Undefined for a disk on no controller (virtio, usb) or a name libvirt cannot read.
 */
export function virDomainDiskDefControllerIndex(d: GuestDevice): number | undefined {
  const bus = DISK_CONTROLLERS[d.bus ?? ''];
  if (d.element !== 'disk' || !bus || d.address) return undefined;
  if (d.otherAddressType !== undefined) return d.otherAddressType === 'drive' ? (d.addressController ?? 0) : undefined;
  const idx = d.targetDev === undefined ? undefined : virDiskNameToIndex(d.targetDev);
  return idx === undefined ? undefined : Math.floor(idx / bus.perController);
}

/**
 * libvirt keeps a drive address's `controller` as an unsigned int and compares it as an int
 * (virDomainDefAddDiskControllersForType, virDomainDefMaybeAddHostdevSCSIcontroller:
 * `(int)...addr.drive.controller > maxController`), so a number above INT_MAX adds no controller;
 * and the domain it defines writes the number back as that negative int, which its own parser then
 * refuses when the domain starts (checked with libvirt 9.0: `controller='2147483648'` defines, dumpxml
 * shows controller='-2147483648', `virsh start` says "Invalid value for attribute 'controller' in
 * element 'address': '-2147483648'. Expected non-negative integer value").
 */
export const INT_MAX = 2147483647;

/** A SCSI hostdev (virHostdevIsSCSIDevice: mode subsystem, type scsi): it sits on a SCSI controller like a disk. */
const isScsiHostdev = (d: GuestDevice): boolean => d.element === 'hostdev' && d.type === 'scsi' && (d.mode ?? 'subsystem') === 'subsystem';

/** Units 0-6 of a SCSI controller: libvirt's QEMU driver has a narrow SCSI bus (SCSI_NARROW_BUS_MAX_CONT_UNIT). */
const SCSI_UNITS = 7;

/**
 * virDomainHostdevAssignAddress() (src/conf/domain_conf.c, at post-parse, for a SCSI hostdev written
 * without an address): the first controller, from 0, with a unit free on bus 0 target 0
 * (virDomainControllerSCSINextUnit: units 0-6, used by a SCSI disk's drive address, written or
 * derived from its name, or by a SCSI hostdev's), in document order; it adds no controller itself.
 * Returns the controller index of each such hostdev by key. Checked with libvirt 9.0: 18 SCSI
 * hostdevs without an address sit on controllers 0, 1 and 2, seven a controller.
 */
export function virDomainHostdevAssignAddresses(devices: readonly GuestDevice[]): ReadonlyMap<string, number> {
  const out = new Map<string, number>();
  if (!devices.some((d) => isScsiHostdev(d) && d.otherAddressType === undefined && !d.address)) return out;
  const used = new Set<string>();
  const use = (controller: number, a: { readonly bus: number; readonly target: number; readonly unit: number }): void => {
    if (a.bus === 0 && a.target === 0) used.add(`${controller}:${a.unit}`);
  };
  for (const d of devices) {
    if (d.otherAddressType === 'drive' && d.addressController !== undefined && (isScsiHostdev(d) || (d.element === 'disk' && d.bus === 'scsi'))) use(d.addressController, d.addressDrive ?? { bus: 0, target: 0, unit: 0 });
    else if (d.element === 'disk' && d.bus === 'scsi' && d.otherAddressType === undefined && !d.address && d.targetDev !== undefined) {
      // virDomainDiskDefAssignAddress: disk n is controller n / 7, unit n % 7
      const n = virDiskNameToIndex(d.targetDev);
      if (n !== undefined) use(Math.floor(n / SCSI_UNITS), { bus: 0, target: 0, unit: n % SCSI_UNITS });
    }
  }
  // controllers fill in order and stay full: the search starts where the last one ended
  let controller = 0;
  for (const d of devices) {
    if (!isScsiHostdev(d) || d.otherAddressType !== undefined || d.address) continue;
    for (;;) {
      let unit = 0;
      while (unit < SCSI_UNITS && used.has(`${controller}:${unit}`)) unit++;
      if (unit < SCSI_UNITS) {
        used.add(`${controller}:${unit}`);
        out.set(d.key, controller);
        break;
      }
      controller++;
    }
  }
  return out;
}

/** What libvirt adds for the drive addresses of one controller type: every index 0..highest, decided by `by`. */
export interface ImplicitDiskControllers {
  readonly type: string;
  /** the highest index a disk (or SCSI hostdev) sits on; libvirt adds every missing one from 0 to it */
  readonly highest: number;
  /** the device whose drive address (or target name) names it */
  readonly by: GuestDevice;
  /** the model libvirt gives the ones it adds (a SCSI hostdev's controller's written model), else the default */
  readonly model?: string | undefined;
}

/**
 * The controllers virDomainDefAddImplicitControllers() will add for disks and SCSI hostdevs, per
 * type, in libvirt's order (SCSI, FDC, IDE, SATA for disks, virDomainDefAddDiskControllersForType;
 * then SCSI for hostdevs, virDomainDefMaybeAddHostdevSCSIcontroller, whose added controllers take
 * the model of a written controller at the index of the hostdev that sets the highest one). Counted
 * in one pass, never built: a number near INT_MAX is read, not looped over.
 */
export function virDomainDefImplicitDiskControllers(guest: Pick<Guest, 'devices'>): ImplicitDiskControllers[] {
  const highest = new Map<string, { highest: number; by: GuestDevice }>();
  let hostdev: { highest: number; by: GuestDevice; model?: string | undefined } | undefined;
  const given = guest.devices;
  // the written SCSI controllers' models by index, read once for all the SCSI hostdevs
  let scsiModels: Map<number, string | undefined> | undefined;
  const assigned = virDomainHostdevAssignAddresses(given);
  // indexed: a for-of allocates an iterator result per step until the code is optimised, which a one-shot run never is
  for (let k = 0; k < given.length; k++) {
    const d = given[k] as GuestDevice;
    if (isScsiHostdev(d)) {
      const index = d.otherAddressType === 'drive' ? (d.addressController ?? 0) : assigned.get(d.key);
      if (index === undefined) continue;
      if (index > INT_MAX || index <= (hostdev?.highest ?? -1)) continue;
      // virDomainDeviceFindSCSIController: the written controller at this index, if any, gives its model
      if (!scsiModels) {
        scsiModels = new Map();
        for (const c of given) if (c.element === 'controller' && c.type === 'scsi' && c.index !== undefined && !scsiModels.has(c.index)) scsiModels.set(c.index, c.model);
      }
      hostdev = { highest: index, by: d, model: scsiModels.get(index) ?? hostdev?.model };
      continue;
    }
    if (d.bus === undefined || !Object.hasOwn(DISK_CONTROLLERS, d.bus)) continue;
    const index = virDomainDiskDefControllerIndex(d);
    if (index === undefined || index > INT_MAX) continue;
    if (index > (highest.get(d.bus)?.highest ?? -1)) highest.set(d.bus, { highest: index, by: d });
  }
  const out: ImplicitDiskControllers[] = [];
  for (const [bus, { type }] of Object.entries(DISK_CONTROLLERS)) {
    const h = highest.get(bus);
    if (h) out.push({ type, ...h });
  }
  if (hostdev) out.push({ type: 'scsi', ...hostdev });
  return out;
}

/**
 * How many controllers of one type libvirt could ever place for the disks' drive addresses: one
 * PCI slot each, 32 slots on each of 256 buses ({@link MAX_PCI_SLOTS}). Past it
 * {@link virDomainDefImplicitDiskControllersBeyond} says so and nothing is simulated.
 */
export function virDomainDefImplicitDiskControllersBeyond(guest: Pick<Guest, 'devices'>): ImplicitDiskControllers | undefined {
  return virDomainDefImplicitDiskControllers(guest).find((c) => c.highest >= MAX_PCI_SLOTS);
}

/** What {@link virDomainDefImplicitDiskControllersBeyond} found, for a note or a finding. */
export function implicitDiskControllersMessage(c: ImplicitDiskControllers): string {
  const on = c.by.otherAddressType === 'drive' ? `its drive address names ${c.type} controller ${c.highest}` : `its target name puts it on ${c.type} controller ${c.highest}`;
  return `${c.by.label || c.by.element}: ${on}, so libvirt adds ${c.type} controllers 0 to ${c.highest}, more than the ${MAX_PCI_SLOTS} PCI slots of any guest`;
}

/**
 * virDomainDefAddImplicitControllers() (src/conf/domain_conf.c, after the driver's default devices):
 * for each disk bus, every controller from index 0 up to the highest one a disk of that bus sits
 * on ({@link virDomainDiskDefControllerIndex}: virDomainDefAddDiskControllersForType), SCSI, FDC,
 * IDE and SATA in that order; then the virtio-serial controller of every virtio channel and console
 * (index 0, or the `controller` of its virtio-serial address: virDomainDefMaybeAddVirtioSerialController);
 * then every SCSI controller up to the highest a SCSI hostdev sits on
 * (virDomainDefMaybeAddHostdevSCSIcontroller). Only controllers missing at that index are added
 * (virDomainDefMaybeAddController), `implicit`, without a model (the machine's default applies)
 * unless a SCSI hostdev's gives one. libvirt has no bound of its own (301 SCSI controllers define
 * for `controller='300'`; 20,000 take 3 s and 100,000 do not return in 20 s, libvirt 9.0): more
 * than {@link MAX_PCI_SLOTS} of a type is refused, or never returns, and the rules report it
 * (GEN-ADDR-3); none past that is added here. The device list must have its controller indexes
 * ({@link virDomainAssignDeviceControllerIndexes}). Returns the same guest when nothing is added.
 */
export function virDomainDefAddImplicitControllers(guest: Guest): Guest {
  const devices = guest.devices.slice();
  const written = new Set<string>();
  // freshDeviceKey's keys, from one set: it reads the whole list each time, and there may be 8,192 to add
  const keys = new Set<string>();
  let n = 0;
  for (const d of guest.devices) {
    keys.add(d.key);
    if (d.element !== 'controller') continue;
    n++;
    if (d.index !== undefined) written.add(`${d.type ?? ''}#${d.index}`);
  }
  const maybeAdd = (type: string, index: number, model?: string): void => {
    if (written.has(`${type}#${index}`)) return;
    written.add(`${type}#${index}`);
    while (keys.has(`controller-${n}`)) n++;
    const key = `controller-${n++}`;
    keys.add(key);
    devices.push({ key, element: 'controller', type, index, ...(model !== undefined ? { model } : {}), label: `implicit ${type} controller ${index}`, implicit: true });
  };
  const disks = virDomainDefImplicitDiskControllers(guest);
  const add = (c: ImplicitDiskControllers): void => {
    for (let i = 0; i <= Math.min(c.highest, MAX_PCI_SLOTS - 1); i++) maybeAdd(c.type, i, c.model);
  };
  const given = guest.devices;
  // the disks' (in libvirt's type order), the virtio-serial ones, then the SCSI hostdevs'
  for (let k = 0; k < disks.length; k++) if (!isScsiHostdev((disks[k] as ImplicitDiskControllers).by)) add(disks[k] as ImplicitDiskControllers);
  for (let k = 0; k < given.length; k++) {
    const d = given[k] as GuestDevice;
    // one controller, at the index its address names; past INT_MAX libvirt's int is negative and
    // it refuses the domain ("virtio serial controller N is missing", libvirt 9.0)
    const index = d.otherAddressType === 'virtio-serial' ? (d.addressController ?? 0) : 0;
    if ((d.element === 'channel' || d.element === 'console') && d.bus === 'virtio' && index <= INT_MAX) maybeAdd('virtio-serial', index);
  }
  const scsiHostdevs = disks.find((c) => isScsiHostdev(c.by));
  if (scsiHostdevs) add(scsiHostdevs);
  return devices.length === guest.devices.length ? guest : { ...guest, devices };
}

/**
 * virDomainDefAddImplicitVideo() (src/conf/domain_conf.c): "if no <video> tag is set but there is a
 * <graphics> tag, then we add a single video tag", of the machine's default model
 * (qemuDomainDefaultVideoModel: cirrus on x86, vga on pseries, virtio on aarch64 virt with these
 * QEMUs), `implicit`. Returns the same guest when nothing is added.
 */
export function virDomainDefAddImplicitVideo(guest: Guest): Guest {
  if (!guest.graphics || guest.devices.some((d) => d.element === 'video')) return guest;
  const devices = guest.devices.slice();
  devices.push({ key: freshDeviceKey(devices, 'video'), element: 'video', label: 'implicit video', implicit: true });
  return { ...guest, devices };
}

/**
 * What libvirt's post-parse adds to a domain before it assigns addresses (virDomainDefPostParse):
 * controller indexes (virDomainAssignControllerIndexes, PCI and other controllers), then the QEMU driver's
 * qemuDomainDefPostParse(): the root bus at index 0 and, unless `defaultDevices` is false, the
 * devices libvirt adds by itself (qemuDomainDefAddDefaultDevices), the controllers disks and
 * channels need (virDomainDefAddImplicitControllers) and the video graphics need
 * (virDomainDefAddImplicitVideo), as virDomainDefAddImplicitDevices() adds them. Returns the same guest when
 * nothing is added.
 */
export function virDomainDefPostParse(guest: Guest, machine: LibvirtMachine, opts: { readonly defaultDevices?: boolean } = {}): Guest {
  const controllers = qemuDomainDefAddDefaultRoot(virDomainAssignControllerIndexes(guest.controllers), machine);
  const devices = virDomainAssignDeviceControllerIndexes(guest.devices);
  const indexed = controllers === guest.controllers && devices === guest.devices ? guest : { ...guest, controllers: controllers.slice(), devices: devices.slice() };
  return (opts.defaultDevices ?? true) ? virDomainDefAddImplicitVideo(virDomainDefAddImplicitControllers(qemuDomainDefAddDefaultDevices(indexed, machine))) : indexed;
}

/**
 * virDomainSkipBackcompatConsole() (src/conf/domain_conf.c): the first `<console>` of target type
 * serial (or none) of an HVM guest is the first serial port itself (virDomainDefAddConsoleCompat
 * makes it its alias), so virDomainDeviceInfoIterate() skips it: it reserves no address of its own,
 * even when written with the serial's PCI address (libvirt's test pci-serial-dev-chardev).
 */
export function virDomainSkipBackcompatConsole(devices: readonly GuestDevice[], d: GuestDevice): boolean {
  if (d.element !== 'console' || (d.bus !== undefined && d.bus !== 'serial')) return false;
  return devices.find((x) => x.element === 'console') === d;
}
