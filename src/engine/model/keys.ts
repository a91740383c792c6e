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
 * Keys for the children of one `<devices>` element. Call `key` or `skip` once for EVERY child
 * element, in document order: the `<element>-<n>` counter counts every element of that name, PCI
 * controllers included. A device is keyed by its host address, else its alias, else
 * `<element>-<n>`, made unique with `#2`, `#3`, …; a PCI controller is `pci-<m>`.
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
      return uniqueKey(used, el.hostAddress ? formatPciAddress(el.hostAddress) : (el.alias ?? `${el.element}-${n}`));
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
