import type { GuestDevice } from '../model/guest.ts';
import { freshDeviceKey } from '../model/keys.ts';

/** VIR_DOMAIN_DEFAULT_VIRTIO_SERIAL_PORTS (src/conf/domain_conf.h): ports of a controller written without `ports`. */
const DEFAULT_PORTS = 31;

/** Does libvirt give this device a virtio-serial port? A virtio channel or console. */
const onVirtioSerial = (d: GuestDevice): boolean => (d.element === 'channel' || d.element === 'console') && d.bus === 'virtio';

/**
 * qemuDomainAssignVirtioSerialAddresses() (libvirt src/qemu/qemu_domain_address.c), the first step of
 * qemuDomainAssignAddresses(), with virDomainVirtioSerialAddrNext() (src/conf/domain_addr.c): every
 * virtio console, then every virtio channel, without a complete virtio-serial address takes the
 * first free port of the virtio-serial controllers in index order (port 0 is kept for consoles);
 * when every port is taken, libvirt adds a virtio-serial controller at the lowest free index
 * (virDomainVirtioSerialAddrSetAutoaddController) and uses it. Those added controllers are PCI
 * devices libvirt then places: they are returned `implicit` (libvirt adds them again at define).
 * Only whether controllers are added matters here, so the ports found are not written back. A
 * device whose address names a controller (port 0) takes a port of that one or none (libvirt
 * refuses: the rules' concern). Returns the same array when nothing is added.
 */
export function qemuDomainAssignVirtioSerialAddresses(devices: readonly GuestDevice[]): readonly GuestDevice[] {
  if (!devices.some(onVirtioSerial)) return devices;
  const controllers = new Map<number, { used: Set<number>; ports: number }>();
  for (const d of devices) {
    if (d.element === 'controller' && d.type === 'virtio-serial' && d.index !== undefined && !controllers.has(d.index)) controllers.set(d.index, { used: new Set(), ports: d.ports ?? DEFAULT_PORTS });
  }
  // virDomainVirtioSerialAddrReserve over the written complete addresses
  for (const d of devices) {
    if (!onVirtioSerial(d) || d.otherAddressType !== 'virtio-serial' || !d.addressPort) continue;
    controllers.get(d.addressController ?? 0)?.used.add(d.addressPort);
  }
  const added: GuestDevice[] = [];
  const all = (): GuestDevice[] => [...devices, ...added];
  const next = (allowZero: boolean): void => {
    const first = allowZero ? 0 : 1;
    for (const i of [...controllers.keys()].sort((a, b) => a - b)) {
      const c = controllers.get(i);
      if (!c) continue;
      for (let p = first; p < c.ports; p++) {
        if (c.used.has(p)) continue;
        c.used.add(p);
        return;
      }
    }
    let index = 0;
    while (controllers.has(index)) index++;
    // bounded: one controller per device at most, and the devices are bounded by the input size cap
    controllers.set(index, { used: new Set([first]), ports: DEFAULT_PORTS });
    added.push({ key: freshDeviceKey(all(), 'controller'), element: 'controller', type: 'virtio-serial', index, label: `implicit virtio-serial controller ${index}`, implicit: true });
  };
  const incomplete = (d: GuestDevice): boolean => onVirtioSerial(d) && !(d.otherAddressType === 'virtio-serial' && d.addressPort);
  for (const d of devices) {
    if (d.element !== 'console' || !incomplete(d)) continue;
    if (d.otherAddressType === 'virtio-serial') takeFrom(controllers.get(d.addressController ?? 0));
    else next(true);
  }
  for (const d of devices) {
    if (d.element !== 'channel' || !incomplete(d)) continue;
    if (d.otherAddressType === 'virtio-serial') takeFrom(controllers.get(d.addressController ?? 0));
    else next(false);
  }
  return added.length ? [...devices, ...added] : devices;
}

/** virDomainVirtioSerialAddrNextFromController(): the first free port from 1 of the controller the address names. */
function takeFrom(c: { used: Set<number>; ports: number } | undefined): void {
  if (!c) return;
  for (let p = 1; p < c.ports; p++) {
    if (c.used.has(p)) continue;
    c.used.add(p);
    return;
  }
}
