import type { Guest, GuestDevice, MachineFamily, PciController } from './guest.ts';
import { isPhb } from './guest.ts';
import type { Host } from './host.ts';
import type { PciAddress } from './pci.ts';
import { formatPciAddress, pciAddressKey } from './pci.ts';

/**
 * Names for people, in libvirt's words (issue 10): a device as `virsh` and the domain XML name it
 * (disk `vda`, interface `52:54:00:…`, hostdev `0000:01:00.0`, SATA controller 0, USB controller
 * qemu-xhci, memballoon), a PCI controller by its model and index ("pcie-root-port 3", "vPHB 2"),
 * and numbers in the base libvirt writes them (virPCIDeviceAddressFormat and
 * virDomainControllerDefFormat in libvirt's src/conf/domain_conf.c write domain, bus, slot, function
 * and a port's `port` in hex with 0x; index, chassis, chassisNr, busNr, target index and NUMA node in
 * decimal). Internal keys (`disk-0`, `pci-4`) never reach a person.
 */

/**
 * The shape of an internal key (DESIGN.md §6: `<element>-<n>`, `pci-<n>`, `pci-new-<n>`) inside a
 * sentence. Keys are test ids only; tests check that no text meant for people matches this.
 */
export const INTERNAL_KEY = /\b(?:hostdev|interface|disk|controller|filesystem|video|sound|memballoon|rng|watchdog|input|shmem|vsock|iommu|panic|serial|console|channel|memory|crypto|redirdev|smartcard|tpm|nvram|pstore|hub|pci|pci-new|implicit-pci-root)-\d+\b/;

/** What the importer knows about a device element when it names it; every field as written. */
export interface DeviceFacts {
  readonly element: string;
  /** the element's `type` attribute */
  readonly type?: string | undefined;
  /** `model` attribute, `<model type|name>` */
  readonly model?: string | undefined;
  /** disk `<target bus>`, input `bus`, … */
  readonly bus?: string | undefined;
  /** disk `device` attribute: disk, cdrom, floppy, lun */
  readonly diskDevice?: string | undefined;
  /** disk `<target dev>`: vda, sda */
  readonly targetDev?: string | undefined;
  /** interface `<mac address>` */
  readonly mac?: string | undefined;
  /** a non-PCI controller's `index` attribute, as written */
  readonly index?: string | undefined;
  /** filesystem `<target dir>` (the mount tag), shmem `name` */
  readonly target?: string | undefined;
  /** host side of a PCI hostdev or `<interface type='hostdev'>` */
  readonly hostAddress?: PciAddress | undefined;
}

/** libvirt's controller types as its documentation spells them (formatdomain.rst, "Controllers"). */
const CONTROLLER_TYPES: Readonly<Record<string, string>> = {
  usb: 'USB',
  sata: 'SATA',
  scsi: 'SCSI',
  ide: 'IDE',
  fdc: 'FDC',
  ccid: 'CCID',
  isa: 'ISA',
  xenbus: 'xenbus',
  'virtio-serial': 'virtio-serial',
};

/** The given words that are there, space-separated (concatenated: a label per device on import, no arrays). */
const words = (...w: Array<string | undefined>): string => {
  let out = '';
  for (let i = 0; i < w.length; i++) {
    const x = w[i];
    if (x !== undefined && x !== '') out = out === '' ? x : `${out} ${x}`;
  }
  return out;
};

/**
 * The name a libvirt user knows a device by. Shapes: "disk vda", "cdrom sdb", "interface
 * 52:54:00:12:34:56", "virtio interface" (no MAC), "hostdev 0000:01:00.0", "interface hostdev
 * 0000:01:00.0", "SATA controller 0", "USB controller qemu-xhci", "memballoon", "virtio video",
 * "virtio tablet", "filesystem mount_tag". Never an internal key; may repeat (see {@link uniqueNames}).
 */
/** "", "alpha", "alpha and beta", "alpha, beta and gamma": how findings list several names. */
export function listNames(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1] as string}`;
}

export function deviceLabel(f: DeviceFacts): string {
  if (f.hostAddress) return f.element === 'hostdev' ? `hostdev ${formatPciAddress(f.hostAddress)}` : `interface hostdev ${formatPciAddress(f.hostAddress)}`;
  switch (f.element) {
    case 'disk':
      return f.targetDev ? `${f.diskDevice ?? 'disk'} ${f.targetDev}` : words(f.bus, f.diskDevice ?? 'disk');
    case 'interface':
      return f.mac ? `interface ${f.mac}` : words(f.model, 'interface', f.model ? undefined : f.type);
    case 'hostdev':
      return words(f.type, 'hostdev');
    case 'controller': {
      const type = f.type === undefined ? undefined : (CONTROLLER_TYPES[f.type] ?? f.type);
      return words(type, 'controller', f.model ?? f.index);
    }
    case 'memballoon':
      return 'memballoon';
    case 'input':
      return f.bus ? words(f.bus, f.type ?? 'input') : words(f.type, 'input');
    case 'filesystem':
      return words('filesystem', f.target);
    case 'shmem':
      return words('shmem', f.target);
    case 'serial':
    case 'console':
    case 'channel':
      return words(f.model ?? f.bus, f.element);
    default:
      return words(f.model ?? (f.element === 'rng' || f.element === 'tpm' ? f.type : undefined), f.element);
  }
}

/**
 * Makes repeated names distinct in document order: the second "virtio video" becomes "virtio video
 * #2". Controllers repeat only by model ("USB controller qemu-xhci"): theirs take the index libvirt
 * knows them by, "USB controller qemu-xhci (index 1)".
 */
export function uniqueNames(labels: readonly string[], indexOf: (i: number) => string | undefined = () => undefined): string[] {
  // indexed loops, and the set of taken names only once a name repeats: this runs once per import
  // over every device, in code a one-shot CLI run never optimises (a for-of allocates per step there)
  const count = new Map<string, number>();
  let repeats = false;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i] as string;
    const n = (count.get(l) ?? 0) + 1;
    count.set(l, n);
    if (n > 1) repeats = true;
  }
  if (!repeats) return labels.slice();
  const seen = new Map<string, number>();
  const taken = new Set(labels);
  return labels.map((l, i) => {
    if ((count.get(l) ?? 0) < 2) return l;
    const n = (seen.get(l) ?? 0) + 1;
    seen.set(l, n);
    const index = indexOf(i);
    if (index !== undefined) return `${l} (index ${index})`;
    if (n === 1) return l;
    let k = n;
    while (taken.has(`${l} #${k}`)) k++;
    taken.add(`${l} #${k}`);
    return `${l} #${k}`;
  });
}

/**
 * A guest device for a person: its label, and for a passed-through host device the product the
 * host names it by when the host is loaded ("hostdev 0000:01:00.0 (MT27800 Family [ConnectX-5])").
 */
export function deviceName(d: Pick<GuestDevice, 'label' | 'hostAddress'>, host?: Host | undefined): string {
  if (!d.hostAddress || !host) return d.label;
  const hd = host.devices.get(pciAddressKey(d.hostAddress));
  const product = hd?.productName ?? hd?.vendorName;
  return product ? `${d.label} (${product})` : d.label;
}

/**
 * A PCI controller by its model and controller index, as `<controller type='pci' index model>`
 * reads: "pcie-root-port 3", "pci-bridge 4", "pcie-root 0". A pseries PHB is a "vPHB", with its
 * target index (QEMU's `index=`) when that differs from the controller index: "vPHB 2 (target 5)".
 */
export function controllerName(c: Pick<PciController, 'model' | 'modelName' | 'index' | 'target'>, family?: MachineFamily): string {
  const index = c.index === undefined ? '(no index)' : String(c.index);
  if (isPhb(c as PciController) && (family === 'pseries' || (family === undefined && c.modelName === 'spapr-pci-host-bridge'))) {
    const t = c.target.index;
    return t !== undefined && t !== c.index ? `vPHB ${index} (target ${t})` : `vPHB ${index}`;
  }
  return `${c.model || 'controller'} ${index}`;
}

/** A guest bus by the controller index that device addresses use: its controller's name, or "bus 0x05" when none is written. */
export function busName(controllers: readonly PciController[], index: number, family?: MachineFamily): string {
  const c = controllersByIndex(controllers).get(index);
  return c ? controllerName(c, family) : `bus ${hexNumber(index, 2)}`;
}

/*
 * Lookups built once per list, not once per call: the CLI names the subjects of every finding, and a
 * scan of the whole design per finding made `validate` grow with the square of the design (3,968 NICs:
 * most of its time). Model lists are readonly and replaced, never changed in place, so a list is its own key.
 */
const CONTROLLERS_BY_INDEX = new WeakMap<readonly PciController[], ReadonlyMap<number, PciController>>();
const LABELS_BY_KEY = new WeakMap<readonly GuestDevice[], ReadonlyMap<string, string>>();

/** The first controller of each index, as a scan in list order finds it. */
function controllersByIndex(controllers: readonly PciController[]): ReadonlyMap<number, PciController> {
  let m = CONTROLLERS_BY_INDEX.get(controllers);
  if (!m) {
    const built = new Map<number, PciController>();
    for (const c of controllers) if (c.index !== undefined && !built.has(c.index)) built.set(c.index, c);
    CONTROLLERS_BY_INDEX.set(controllers, (m = built));
  }
  return m;
}

/** Each device key's label (the last device of a key, as a Map built from the list keeps it). */
function labelByKey(devices: readonly GuestDevice[]): ReadonlyMap<string, string> {
  let m = LABELS_BY_KEY.get(devices);
  if (!m) LABELS_BY_KEY.set(devices, (m = new Map(devices.map((d) => [d.key, d.label]))));
  return m;
}

/**
 * A finding's subjects as people name them (the CLI's "[vPHB 0, disk vda, IOMMU group 5]"): controllers
 * by {@link controllerName}, devices by their labels, groups by number. A key no longer in the guest is
 * shown as it is.
 */
export function subjectNames(guest: Pick<Guest, 'controllers' | 'devices'>, subjects: { readonly controllers?: readonly number[] | undefined; readonly devices?: readonly string[] | undefined; readonly groups?: readonly number[] | undefined }, family: MachineFamily): string[] {
  const label = labelByKey(guest.devices);
  return [
    ...(subjects.controllers ?? []).map((i) => busName(guest.controllers, i, family)),
    ...(subjects.devices ?? []).map((k) => label.get(k) ?? k),
    ...(subjects.groups ?? []).map((g) => `IOMMU group ${g}`),
  ];
}

/** Attributes libvirt writes in hex (0x..); the rest it writes in decimal. */
export type NumberAttribute = 'domain' | 'bus' | 'slot' | 'function' | 'port' | 'index' | 'chassis' | 'chassisNr' | 'busNr' | 'targetIndex' | 'node';

const HEX_WIDTH: Partial<Record<NumberAttribute, number>> = { domain: 4, bus: 2, slot: 2, function: 1, port: 1 };

/** `0x1f`, `0x0001`: hex as libvirt writes addresses, at least `width` digits. */
export function hexNumber(n: number, width = 1): string {
  return `0x${n.toString(16).padStart(width, '0')}`;
}

/** A number as libvirt writes that attribute: slot 31 → `0x1f`, port 16 → `0x10`, chassis 3 → `3`. */
export function formatNumber(attribute: NumberAttribute, n: number): string {
  const w = HEX_WIDTH[attribute];
  return w === undefined ? String(n) : hexNumber(n, w);
}

/** Whether libvirt writes this attribute in hex. */
export const writtenInHex = (attribute: NumberAttribute): boolean => HEX_WIDTH[attribute] !== undefined;

export type ParsedNumber = { readonly ok: true; readonly value: number; readonly base: 10 | 16; readonly echo: string } | { readonly ok: false; readonly error: string };

/**
 * A number typed by a person: `0x1f` (hex, as libvirt writes addresses) or `31` (decimal). The echo
 * says how it was read, in both bases when they differ: "0x1f (31)", "31 (0x1f)", "7". A leading
 * 0 is read as decimal here (libvirt's strtoul would read octal; nobody types octal into a form).
 */
export function parseNumberInput(text: string, what: string): ParsedNumber {
  const t = text.trim();
  let value: number;
  let base: 10 | 16;
  if (/^0x[0-9a-f]+$/i.test(t)) {
    value = parseInt(t.slice(2), 16);
    base = 16;
  } else if (/^\d+$/.test(t)) {
    value = parseInt(t, 10);
    base = 10;
  } else return { ok: false, error: `${what} must be a whole number, decimal (31) or hex (0x1f), not "${t}"` };
  if (!Number.isSafeInteger(value)) return { ok: false, error: `${what} ${t} is too large` };
  const echo = base === 16 ? (value < 10 ? hexNumber(value) : `${hexNumber(value)} (${value})`) : value < 10 ? String(value) : `${value} (${hexNumber(value)})`;
  return { ok: true, value, base, echo };
}
