import type { GuestDevice, PciController } from './guest.ts';
import type { PciAddress } from './pci.ts';
import { formatPciAddress } from './pci.ts';

/**
 * The design's identities (DESIGN.md §6 `guest-device-<key>`, `controller-<index>`): one scheme,
 * used by the domain importer, by everything that adds a device or controller, and by the CLI's
 * `verify` when it follows devices through libvirt. Keys are test ids and internal handles; the
 * user never sees them.
 */

/** `key`, then `key#2`, `key#3`, …: keys stay unique when aliases or host addresses repeat. Adds the result to `used`. */
export function uniqueKey(used: Set<string>, key: string): string {
  let k = key;
  for (let n = 2; used.has(k); n++) k = `${key}#${n}`;
  used.add(k);
  return k;
}

/** One child element of `<devices>`, as far as its key is concerned. */
export interface KeyedElement {
  /** the element name: `hostdev`, `interface`, `controller`, `emulator`, … */
  readonly element: string;
  /** a `<controller type='pci'>`: keyed `pci-<m>`, m counting PCI controllers from 0 */
  readonly pciController?: boolean | undefined;
  /**
   * the host side of a PCI `<hostdev>` or an `<interface type='hostdev'>` (its
   * `<source><address>`); give it for those two only
   */
  readonly hostAddress?: PciAddress | undefined;
  /** `<alias name=…>` */
  readonly alias?: string | undefined;
}

/** Keys for the children of one `<devices>` element; see {@link deviceKeyer}. */
export interface DeviceKeyer {
  /** the key of the next child, a device or a PCI controller */
  key(el: KeyedElement): string;
  /** the next child is neither a device nor a PCI controller (`<emulator>`, …): it only counts */
  skip(element: string): void;
}

/**
 * The keys PCI controllers take (`pci-<m>` at import, `pci-new-<n>` when added,
 * `implicit-pci-root` and `implicit-pci-<index>` for the ones libvirt adds): no device key is ever
 * one of them, so one key names one thing whatever list it is looked up in (a placement's
 * unplaced keys, the keys define-time prediction counts as designed).
 */
const CONTROLLER_KEY = /^(?:pci-(?:new-)?\d+|implicit-pci-(?:root|\d+))$/;

/** Is `key` of the form PCI controller keys take ({@link CONTROLLER_KEY})? */
export function isControllerKey(key: string): boolean {
  return CONTROLLER_KEY.test(key);
}

/**
 * Keys for the children of one `<devices>` element. Call `key` or `skip` once for EVERY child
 * element, in document order: the `<element>-<n>` counter counts every element of that name, PCI
 * controllers included. A device is keyed by its host address, else its alias, else
 * `<element>-<n>`, made unique with `#2`, `#3`, …; a PCI controller is `pci-<m>`. A device whose
 * alias has a controller's form (`<alias name='pci-1'/>`) takes it with `#2`, as if a controller
 * had it already: device and controller keys never meet.
 */
export function deviceKeyer(): DeviceKeyer {
  const counts = new Map<string, number>();
  const used = new Set<string>();
  let pci = 0;
  const count = (element: string): number => {
    const n = counts.get(element) ?? 0;
    counts.set(element, n + 1);
    return n;
  };
  return {
    key(el) {
      const n = count(el.element);
      if (el.pciController) return `pci-${pci++}`;
      const key = el.hostAddress ? formatPciAddress(el.hostAddress) : (el.alias ?? `${el.element}-${n}`);
      if (isControllerKey(key)) used.add(key);
      return uniqueKey(used, key);
    },
    skip(element) {
      count(element);
    },
  };
}

/** The key of a controller a command or libvirt's define adds: `pci-new-<n>`, lowest n free. Deterministic, so undo/redo and share links agree. */
export function freshControllerKey(controllers: readonly Pick<PciController, 'key'>[]): string {
  const keys = new Set(controllers.map((c) => c.key));
  let n = 0;
  while (keys.has(`pci-new-${n}`)) n++;
  return `pci-new-${n}`;
}

/** The key of a device libvirt adds by itself: `<element>-<n>`, n from the count of that element, skipping keys in use. */
export function freshDeviceKey(devices: readonly Pick<GuestDevice, 'key' | 'element'>[], element: string): string {
  const keys = new Set(devices.map((d) => d.key));
  let n = devices.filter((d) => d.element === element).length;
  while (keys.has(`${element}-${n}`)) n++;
  return `${element}-${n}`;
}
