/**
 * The two copies of a domain that `verify` gives libvirt. Neither changes where a PCI device sits:
 *  - the define copy keeps every device as designed and only drops what needs this host (KVM, CPU
 *    model, hugepages, firmware…), so libvirt's own topology checks see the real devices;
 *  - the runnable copy (made from libvirt's normalized XML) replaces what cannot run in a sandbox
 *    (VFIO hostdevs, taps, host disks) by emulated stand-ins at the same guest address, so QEMU
 *    still checks slot occupancy, multifunction and bus names.
 */
import { formatPciAddress, parseLibvirtUint } from '../../engine/index.ts';
import { aliasOf, append, child, elements, keepChildren, make, path, pciAddressOf, remove, replace, serialize as serializeElement, setText, textOf } from './xml.ts';
import type { XmlElement } from './xml.ts';

export const QEMU_NS = 'http://libvirt.org/schemas/domain/qemu/1.0';
/** the user alias prefix we give devices that have none, so we can find them again in libvirt's and QEMU's view */
export const OUR_ALIAS = 'ua-pcitopo-';

/** Guest arch -> QEMU binary and the Debian package that ships it. */
export const ARCH_EMULATORS: Readonly<Record<string, { binary: string; pkg: string }>> = {
  ppc64: { binary: 'qemu-system-ppc64', pkg: 'qemu-system-ppc' },
  ppc64le: { binary: 'qemu-system-ppc64', pkg: 'qemu-system-ppc' },
  ppc: { binary: 'qemu-system-ppc', pkg: 'qemu-system-ppc' },
  x86_64: { binary: 'qemu-system-x86_64', pkg: 'qemu-system-x86' },
  i686: { binary: 'qemu-system-i386', pkg: 'qemu-system-x86' },
  aarch64: { binary: 'qemu-system-aarch64', pkg: 'qemu-system-arm' },
  armv7l: { binary: 'qemu-system-arm', pkg: 'qemu-system-arm' },
  riscv64: { binary: 'qemu-system-riscv64', pkg: 'qemu-system-misc' },
  s390x: { binary: 'qemu-system-s390x', pkg: 'qemu-system-misc' },
};

const NIC_KEEP = new Set(['mac', 'model', 'address', 'alias', 'boot', 'rom', 'acpi', 'mtu']);

/** A device of the input as the design has it. */
export interface DesignedDevice {
  key: string;
  element: string;
  alias: string;
  address?: { bus: number; slot: number; function: number } | undefined;
}

export interface DefineCopy {
  xml: string;
  arch: string;
  machine: string | undefined;
  devices: DesignedDevice[];
  /** designed PCI controllers by index */
  controllers: Map<number, { model: string; targetIndex?: number | undefined; chassis?: number | undefined; hotplug?: string | undefined }>;
  /** where the design plugs PCI controllers in (root ports, bridges…), by index */
  controllerAddresses: Map<number, { bus: number; slot: number; function: number }>;
  notes: string[];
}

/** elements that may sit on a PCI bus; they get an alias so we can follow them (libvirt reorders devices) */
const PCI_CAPABLE = new Set([
  'hostdev', 'interface', 'disk', 'controller', 'filesystem', 'video', 'sound', 'memballoon', 'rng', 'watchdog',
  'input', 'shmem', 'vsock', 'memory', 'crypto', 'serial', 'console', 'channel', 'panic', 'iommu', 'redirdev',
  'smartcard', 'tpm', 'nvram', 'pstore', 'hub',
]);
/** of those, the ones libvirt puts on PCI without an explicit address (the rest only with one) */
const PCI_BY_DEFAULT = new Set(['hostdev', 'interface', 'disk', 'controller', 'filesystem', 'video', 'sound', 'memballoon', 'rng', 'watchdog', 'shmem', 'vsock', 'crypto']);

const hostAddressOf = (el: XmlElement): string | undefined => {
  const a = path(el, 'source', 'address');
  if (!a || a.attributes.bus === undefined) return undefined;
  const n = (k: string): number => parseLibvirtUint(a.attributes[k]) ?? 0;
  return formatPciAddress({ domain: n('domain'), bus: n('bus'), slot: n('slot'), function: n('function') });
};

/** Keys as the engine makes them (guest.ts GuestDevice.key): host address, alias, or `<element>-<n>`. */
function deviceKey(el: XmlElement, counts: Map<string, number>): string {
  const n = counts.get(el.name) ?? 0;
  counts.set(el.name, n + 1);
  if (el.name === 'hostdev' && el.attributes.type === 'pci') {
    const h = hostAddressOf(el);
    if (h) return h;
  }
  if (el.name === 'interface' && el.attributes.type === 'hostdev') {
    const h = hostAddressOf(el);
    if (h) return h;
  }
  return aliasOf(el) ?? `${el.name}-${n}`;
}

const isPciController = (el: XmlElement): boolean => el.name === 'controller' && el.attributes.type === 'pci';

export function readControllers(dom: XmlElement): DefineCopy['controllers'] {
  const out: DefineCopy['controllers'] = new Map();
  for (const c of elements(path(dom, 'devices') ?? dom, 'controller')) {
    if (!isPciController(c)) continue;
    const index = parseLibvirtUint(c.attributes.index);
    if (index === undefined) continue;
    const t = child(c, 'target');
    out.set(index, {
      model: c.attributes.model ?? '',
      targetIndex: parseLibvirtUint(t?.attributes.index),
      chassis: parseLibvirtUint(t?.attributes.chassis),
      hotplug: t?.attributes.hotplug,
    });
  }
  return out;
}

/**
 * The copy for `virsh define`: devices as designed (plus our aliases), domain-level host parts dropped.
 * `machines` = what the local QEMU offers, consulted only for a machine type it may lack.
 */
export function makeDefineCopy(dom: XmlElement, machines: () => ReadonlySet<string>): DefineCopy {
  if (dom.name !== 'domain') throw new InputProblem(`the document element is <${dom.name}>, not <domain>`);
  const notes: string[] = [];
  if (dom.attributes.type !== 'qemu') notes.push(`domain type '${dom.attributes.type ?? ''}' -> 'qemu' (TCG, no KVM needed)`);
  dom.attributes.type = 'qemu';
  delete dom.attributes.id;
  const keepTop = new Set(['name', 'memory', 'currentMemory', 'vcpu', 'vcpus', 'cpu', 'os', 'features', 'devices', 'on_poweroff', 'on_reboot', 'on_crash', 'iothreads', 'iothreadids']);
  for (const el of elements(dom)) {
    if (el.name.startsWith('qemu:')) continue;
    if (!keepTop.has(el.name)) {
      remove(el);
      if (!['uuid', 'title', 'description', 'metadata', 'genid'].includes(el.name)) notes.push(`dropped <${el.name}> (host-specific, not PCI topology)`);
    }
  }
  const name = child(dom, 'name') ?? append(dom, make('name'));
  setText(name, 'chk');

  const os = child(dom, 'os');
  const type = child(os, 'type');
  const arch = type?.attributes.arch ?? hostArch();
  let machine = type?.attributes.machine;
  if (type && machine && !['pseries', 'q35', 'virt', 'pc'].includes(machine)) {
    const known = machines();
    if (!known.has(machine)) {
      const generic = [['pseries', 'pseries'], ['pc-q35', 'q35'], ['q35', 'q35'], ['pc-i440fx', 'pc'], ['pc', 'pc'], ['virt', 'virt']].find(
        ([p, alias]) => machine?.startsWith(p as string) && known.has(alias as string),
      );
      if (!generic) throw new InputProblem(`machine type '${machine}' is not known to the local QEMU and has no generic alias`);
      notes.push(`machine '${machine}' is unknown to the local QEMU -> '${generic[1]}'`);
      machine = generic[1] as string;
      type.attributes.machine = machine;
    }
  }
  if (os) {
    if (os.attributes.firmware) {
      notes.push(`dropped <os firmware='${os.attributes.firmware}'>`);
      delete os.attributes.firmware;
    }
    for (const el of elements(os)) if (!['type', 'boot', 'bootmenu'].includes(el.name)) remove(el);
  }
  const feats = child(dom, 'features');
  if (feats) {
    for (const el of elements(feats)) {
      if (['kvm', 'hyperv', 'xen', 'hap', 'pvspinlock', 'nested-hv', 'htm', 'msrs', 'async-teardown', 'sev'].includes(el.name)) {
        remove(el);
        notes.push(`dropped <features><${el.name}> (KVM/host only)`);
      } else if (el.name === 'acpi' && arch === 'aarch64') {
        remove(el);
        notes.push('aarch64: dropped <features><acpi/> (needs UEFI firmware, which is not loaded here)');
      } else if (el.name === 'ioapic' && el.attributes.driver === 'kvm') {
        delete el.attributes.driver;
      }
    }
  }
  // CPU: keep topology and NUMA cells (PHB <node> refers to them); TCG gets its own CPU model
  let cpu = child(dom, 'cpu');
  let cells = 0;
  if (cpu) {
    for (const k of Object.keys(cpu.attributes)) delete cpu.attributes[k];
    keepChildren(cpu, new Set(['topology', 'numa']));
    for (const cell of elements(child(cpu, 'numa') ?? cpu, 'cell')) {
      cells++;
      cell.attributes.memory = '256';
      cell.attributes.unit = 'MiB';
      delete cell.attributes.memAccess;
      delete cell.attributes.discard;
    }
    const topo = child(cpu, 'topology');
    const threads = parseLibvirtUint(topo?.attributes.threads) ?? 1;
    if (topo && arch.startsWith('ppc64') && threads > 1) {
      topo.attributes.cores = String((parseLibvirtUint(topo.attributes.cores) ?? 1) * threads);
      topo.attributes.threads = '1';
      notes.push(`pseries: TCG runs 1 thread per core: threads=${threads} folded into cores`);
    }
    if (elements(cpu).length === 0) {
      remove(cpu);
      cpu = undefined;
    }
  }
  if (arch === 'aarch64') {
    // TCG: GICv2 (with v2m for MSI) works on every virt version for up to 8 vCPUs
    const fe = feats ?? append(dom, make('features'));
    const nvcpu = parseLibvirtUint(textOf(child(dom, 'vcpu'))) ?? 1;
    const gic = child(fe, 'gic') ?? append(fe, make('gic'));
    gic.attributes.version = nvcpu <= 8 ? '2' : '3';
    cpu ??= append(dom, make('cpu'));
    cpu.attributes.mode = 'maximum';
  }
  for (const tag of ['memory', 'currentMemory']) {
    const el = child(dom, tag);
    if (!el) continue;
    setText(el, String(cells ? 256 * cells : 512));
    el.attributes = { unit: 'MiB' };
  }
  const vcpu = child(dom, 'vcpu');
  if (vcpu) {
    delete vcpu.attributes.cpuset;
    delete vcpu.attributes.placement;
  }

  const devs = child(dom, 'devices') ?? append(dom, make('devices'));
  const devices: DesignedDevice[] = [];
  const counts = new Map<string, number>();
  let n = 0;
  for (const el of elements(devs)) {
    if (el.name === 'emulator') {
      remove(el); // the local qemu-system-<arch>
      continue;
    }
    if (el.name === 'tpm') {
      remove(el);
      notes.push('dropped <tpm> (needs swtpm or a host TPM; not on PCI)');
      continue;
    }
    // counted over every element of that name, PCI controllers included, as the engine does
    const key = deviceKey(el, counts);
    if (!PCI_CAPABLE.has(el.name) || isPciController(el)) continue;
    const addr = pciAddressOf(el);
    if (!addr && !PCI_BY_DEFAULT.has(el.name)) continue;
    if (el.attributes.model === 'none' || (el.name === 'hostdev' && el.attributes.type !== 'pci' && el.attributes.type !== 'mdev')) continue;
    let alias = aliasOf(el);
    if (alias && !alias.startsWith('ua-')) {
      // libvirt drops any alias but a user one ("ua-") from the inactive XML, so the device could not be followed
      const own = `${OUR_ALIAS}${n++}`;
      const a = child(el, 'alias');
      if (a) a.attributes.name = own;
      notes.push(`alias '${alias}' -> '${own}' (libvirt keeps only user aliases, "ua-…")`);
      alias = own;
    }
    if (!alias) {
      alias = `${OUR_ALIAS}${n++}`;
      const a = make('alias', { name: alias });
      const at = child(el, 'address');
      if (at) {
        el.children.splice(el.children.indexOf(at), 0, a);
        (a as { parent: unknown }).parent = el;
      } else append(el, a);
    }
    devices.push({ key, element: el.name, alias, address: addr && { bus: addr.bus, slot: addr.slot, function: addr.function } });
    const itype = el.name === 'interface' ? el.attributes.type : undefined;
    if (itype !== undefined && !['user', 'hostdev', 'vdpa'].includes(itype)) {
      // libvirt would wait ~5 s for a network daemon the sandbox does not have; the NIC's model and address stay
      el.attributes = { type: 'user' };
      keepChildren(el, NIC_KEEP);
      notes.push(`interface type=${itype} -> type=user (same model, MAC and address)`);
    }
    if (el.name === 'filesystem' && child(el, 'driver')?.attributes.type === 'virtiofs') {
      standIn(el, 'filesystem virtiofs (unprivileged libvirt refuses it)', notes);
    }
  }
  const controllerAddresses: DefineCopy['controllerAddresses'] = new Map();
  for (const c of elements(devs, 'controller')) {
    const index = parseLibvirtUint(c.attributes.index);
    const a = pciAddressOf(c);
    if (isPciController(c) && index !== undefined && a) controllerAddresses.set(index, { bus: a.bus, slot: a.slot, function: a.function });
  }
  return { xml: serializeDomain(dom), arch, machine, devices, controllers: readControllers(dom), controllerAddresses, notes };
}

/** An input problem (exit 2), as opposed to a refusal by libvirt or QEMU. */
export class InputProblem extends Error {}

/** Replaces a device that needs the host by virtio-rng-pci with the same alias at the same address. */
function standIn(el: XmlElement, what: string, notes: string[]): void {
  const rng = make('rng', { model: 'virtio' }, [make('backend', { model: 'random' }, ['/dev/urandom'])]);
  const alias = child(el, 'alias');
  const addr = child(el, 'address');
  if (alias) append(rng, make('alias', { ...alias.attributes }));
  if (addr) append(rng, make('address', { ...addr.attributes }));
  replace(el, rng);
  notes.push(`${what} -> emulated stand-in virtio-rng-pci (${alias?.attributes.name ?? 'no alias'}) at the same address`);
}

/**
 * The copy that `virsh start --paused` can run here, made from libvirt's normalized XML (every address
 * assigned): stand-ins for host devices, user networking, small raw disks, an extra QMP socket.
 */
export function makeRunnableCopy(dom: XmlElement, diskDir: string, qmpSocket: string, notes: string[]): { xml: string; disks: string[] } {
  const devs = child(dom, 'devices') ?? append(dom, make('devices'));
  const disks: string[] = [];
  for (const el of elements(devs)) {
    switch (el.name) {
      case 'emulator':
        remove(el);
        break;
      case 'hostdev': {
        const t = el.attributes.type;
        if ((el.attributes.mode ?? 'subsystem') === 'subsystem' && (t === 'pci' || t === 'mdev' || t === 'scsi_host')) {
          standIn(el, `${t} hostdev ${hostAddressOf(el) ?? ''}`.trim(), notes);
        } else {
          remove(el);
          notes.push(`dropped ${t ?? ''} hostdev (not on a PCI bus)`);
        }
        break;
      }
      case 'interface': {
        const t = el.attributes.type;
        if (t === 'hostdev' || t === 'vdpa') {
          standIn(el, `interface type=${t}`, notes);
          break;
        }
        el.attributes = { type: 'user' };
        keepChildren(el, NIC_KEEP);
        break;
      }
      case 'disk': {
        const device = el.attributes.device ?? 'disk';
        const old = el.attributes.type;
        keepChildren(el, new Set(['driver', 'target', 'address', 'alias', 'boot', 'serial', 'wwn', 'vendor', 'product', 'readonly', 'shareable', 'blockio', 'geometry']));
        el.attributes = { type: 'file', device: device === 'lun' ? 'disk' : device };
        const drv = child(el, 'driver') ?? make('driver');
        if (!drv.parent) {
          el.children.unshift(drv);
          (drv as { parent: unknown }).parent = el;
        }
        drv.attributes = { name: 'qemu', type: 'raw', ...(drv.attributes.queues ? { queues: drv.attributes.queues } : {}) };
        if (device !== 'cdrom' && device !== 'floppy') {
          const file = `${diskDir}/d${disks.length}.img`;
          disks.push(file);
          const src = make('source', { file });
          el.children.splice(el.children.indexOf(drv) + 1, 0, src);
          (src as { parent: unknown }).parent = el;
        }
        if (old !== 'file') notes.push(`disk type=${old ?? ''} ${child(el, 'target')?.attributes.dev ?? ''} -> 1 MiB raw file`);
        break;
      }
      case 'filesystem':
        standIn(el, `filesystem ${child(el, 'driver')?.attributes.type ?? el.attributes.type ?? 'mount'}`, notes);
        break;
      case 'vsock':
        standIn(el, 'vsock (vhost-vsock-pci)', notes);
        break;
      case 'memory':
        if (el.attributes.model === 'virtio-mem' || el.attributes.model === 'virtio-pmem') standIn(el, `memory model=${el.attributes.model}`, notes);
        else remove(el);
        break;
      case 'input':
        if (el.attributes.type === 'passthrough') standIn(el, 'input passthrough', notes);
        else if (el.attributes.type === 'evdev') remove(el);
        break;
      case 'shmem':
        if (child(el, 'model')?.attributes.type === 'ivshmem-doorbell') standIn(el, 'shmem ivshmem-doorbell', notes);
        break;
      case 'graphics':
      case 'tpm':
      case 'redirdev':
      case 'smartcard':
      case 'lease':
      case 'redirfilter':
        remove(el);
        notes.push(`dropped <${el.name}> (needs the host; not a PCI device here)`);
        break;
      case 'audio':
        el.attributes = el.attributes.id ? { id: el.attributes.id, type: 'none' } : { type: 'none' };
        keepChildren(el, new Set());
        break;
      case 'serial':
      case 'parallel':
      case 'console':
      case 'channel':
        el.attributes.type = 'pty';
        keepChildren(el, new Set(['target', 'address', 'alias']));
        break;
      case 'rng': {
        const be = child(el, 'backend');
        if (be && be.attributes.model !== 'builtin') {
          be.attributes = { model: 'random' };
          setText(be, '/dev/urandom');
        }
        break;
      }
      case 'video': {
        for (const acc of elements(child(el, 'model') ?? el, 'acceleration')) remove(acc);
        const d = child(el, 'driver');
        if (d) remove(d);
        break;
      }
      case 'crypto': {
        const be = child(el, 'backend');
        if (be) be.attributes.model = 'builtin';
        break;
      }
      case 'panic':
        if (el.attributes.model === 'hyperv') remove(el);
        break;
    }
  }
  dom.attributes['xmlns:qemu'] = QEMU_NS;
  const cl = child(dom, 'qemu:commandline') ?? append(dom, make('qemu:commandline'));
  append(cl, make('qemu:arg', { value: '-qmp' }));
  append(cl, make('qemu:arg', { value: `unix:${qmpSocket},server=on,wait=off` }));
  return { xml: serializeDomain(dom), disks };
}

export function serializeDomain(dom: XmlElement): string {
  return `${serializeElement(dom)}\n`;
}

function hostArch(): string {
  const a = process.arch;
  return a === 'x64' ? 'x86_64' : a === 'arm64' ? 'aarch64' : a === 'ppc64' ? 'ppc64le' : a;
}
