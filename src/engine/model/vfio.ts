import type { Host, HostDevice } from '../model/host.ts';

/**
 * What the host kernel lets VFIO do with a device, from the facts node-device XML gives (driver,
 * class code, header type). Shared by HD-VFIO-1, the fixes and the UI (which must not offer a
 * chipset function as something to pass through).
 */

/**
 * Linux `drivers/vfio/vfio.c` (later `vfio_main.c`) `vfio_dev_viable` / `vfio_dev_driver_allowed`:
 * a group is viable when every device in it is driver-less, bound to a vfio driver, bound to an
 * allowed driver (`pci-stub`), or a PCI interconnect device (header type not 0: bridges). Kernels
 * since 5.19 express the same through DMA ownership (`iommu_group_dma_owner_claimed`): a host
 * driver that does DMA keeps the group from VFIO. vfio-pci variant drivers (`mlx5_vfio_pci`,
 * `nvgrace_gpu_vfio_pci`, …) register vfio devices, so any driver named `*vfio*` counts as vfio.
 */
export function boundToVfio(driver: string | undefined): boolean {
  return driver !== undefined && /vfio/.test(driver);
}

/** The device keeps its group from VFIO: bound to a host driver that is neither vfio nor pci-stub (bridges excepted). */
export function blocksVfio(d: HostDevice): boolean {
  return !d.bridge && d.driver !== undefined && !boundToVfio(d.driver) && d.driver !== 'pci-stub';
}

/**
 * PCI class codes (`0xCCSSPP`, class + subclass) of the platform's own chipset functions: the host
 * needs them, and a group holding them has no ACS isolation from what shares it. PCI Code and ID
 * Assignment Specification, class 06 (bridges), 0c (serial bus), 05 (memory), 08 (system
 * peripherals). 0x0880 (other system peripheral) is left out on purpose: accelerators such as
 * Intel DSA use it and are passed through.
 */
const CHIPSET_CLASSES: Readonly<Record<string, string>> = {
  '0600': 'host bridge',
  '0601': 'ISA/LPC bridge',
  '0602': 'EISA bridge',
  '0603': 'MicroChannel bridge',
  '0c05': 'SMBus controller',
  '0c80': 'SPI/I2C serial bus controller',
  '0500': 'RAM controller',
  '0580': 'memory controller',
  '0800': 'interrupt controller',
  '0801': 'DMA controller',
  '0802': 'system timer',
  '0803': 'RTC',
};

/** Host devices are immutable: their class is read once (validation asks on every edit). */
const chipsetCache = new WeakMap<HostDevice, string | null>();

/** What chipset function the device is (`'ISA/LPC bridge'`, …), or undefined for anything else. */
export function chipsetFunction(d: HostDevice | undefined): string | undefined {
  if (!d?.classCode) return undefined;
  let kind = chipsetCache.get(d);
  if (kind === undefined) {
    const m = /^(?:0x)?([0-9a-f]{4})[0-9a-f]{2}$/.exec(d.classCode.trim().toLowerCase());
    kind = (m ? CHIPSET_CLASSES[m[1] as string] : undefined) ?? null;
    chipsetCache.set(d, kind);
  }
  return kind ?? undefined;
}

/**
 * Why a host device must not be offered for passthrough, or undefined when it may be: the designer
 * never proposes giving a guest a chipset function (host bridge, ISA/LPC bridge, SMBus, SPI flash,
 * …). `address` is `dddd:bb:ss.f`. Used by the UI to decide what can be dragged onto the guest.
 */
export function passThroughRefusal(host: Host | undefined, address: string): string | undefined {
  const d = host?.devices.get(address);
  const kind = chipsetFunction(d);
  if (!kind) return undefined;
  return `${address} is the host's ${kind}, a chipset function the host itself needs; it is not passed through.`;
}

/** `0000:01:00.1 (snd_hda_intel)`, `0000:01:00.1 (no driver)`: how a group member is named in findings. */
export function memberText(d: HostDevice): string {
  const kind = chipsetFunction(d);
  return `${d.address} (${kind ? `${kind}, ` : ''}${d.driver ? `bound to ${d.driver}` : 'no driver'})`;
}
