/**
 * The two copies of a domain that `verify` gives libvirt. Neither changes where a PCI device sits:
 *  - the define copy keeps every device as designed and only drops what needs this host (KVM, CPU
 *    model, hugepages, firmware…), so libvirt's own topology checks see the real devices;
 *  - the runnable copy (made from libvirt's normalized XML) replaces what cannot run in a sandbox
 *    (VFIO hostdevs, taps, host disks) by emulated stand-ins at the same guest address, so QEMU
 *    still checks slot occupancy, multifunction and bus names.
 */
import type { Design, GuestDevice, MachineFamily, PciController } from '../../engine/index.ts';
import { formatPciAddress, machineFamily, parseLibvirtUint, qemuNamespaceOf, virDomainSkipBackcompatConsole } from '../../engine/index.ts';
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
  /** the engine's key (GuestDevice.key) */
  key: string;
  /** the engine's label, as people name the device */
  label: string;
  element: string;
  alias: string;
  address?: { bus: number; slot: number; function: number } | undefined;
}

export interface DefineCopy {
  xml: string;
  arch: string;
  machine: string | undefined;
  /** the machine type as the design writes it, when the copy runs another one */
  machineWritten?: string | undefined;
  /** the design's machine family (engine machineFamily) */
  family: MachineFamily;
  devices: DesignedDevice[];
  /** the design's PCI controllers, as the engine reads them */
  controllers: readonly PciController[];
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

const isPciController = (el: XmlElement): boolean => el.name === 'controller' && el.attributes.type === 'pci';

/**
 * Whether to run a machine type the local QEMU lacks as another one. QEMU's own `-machine help`
 * decides, not a list of ours: a name the local QEMU offers runs as written; a name that is a
 * version of a family it offers (`<prefix><version>` for a prefix of its versioned machines, such
 * as `pc-q35-rhel9.4.0` or `pseries-9.1` next to `pc-q35-7.2` / `pseries-7.2`) runs as that family's
 * alias (`q35`, `pseries`), which is a substitution the report states; anything else runs as
 * written, so libvirt refuses it here as it would everywhere: `pc-q35` is no version of `pc-q35-`
 * and libvirt does not know it as q35 (qemu_domain.c qemuDomainIsQ35: "q35" or prefix "pc-q35-").
 */
export type MachineDecision =
  | { readonly kind: 'as-written' }
  | { readonly kind: 'substituted'; readonly used: string; readonly newest: string }
  | { readonly kind: 'unknown' };

export function machineDecision(written: string, machineHelp: string): MachineDecision {
  const lines = machineHelp.split('\n').slice(1).map((l) => l.trim()).filter(Boolean);
  const names = new Set(lines.map((l) => l.split(/\s+/)[0] as string));
  if (names.has(written)) return { kind: 'as-written' };
  const aliasOf = new Map<string, string>();
  for (const l of lines) {
    const m = /\(alias of (\S+)\)/.exec(l);
    if (m) aliasOf.set(m[1] as string, l.split(/\s+/)[0] as string);
  }
  let best: { prefix: string; newest: string } | undefined;
  for (const name of names) {
    const m = /^(.*-)\d+(\.\d+)+$/.exec(name);
    if (!m) continue;
    const prefix = m[1] as string;
    if (!written.startsWith(prefix) || !/^[A-Za-z]*\d+(\.\d+)+/.test(written.slice(prefix.length))) continue;
    if (!best || prefix.length > best.prefix.length) best = { prefix, newest: name };
  }
  if (!best) return { kind: 'unknown' };
  // the family's alias points at its newest version (QEMU marks it "(alias of pc-q35-7.2)")
  const prefix = best.prefix;
  const family = [...aliasOf].find(([target]) => target.startsWith(prefix) && /^\d/.test(target.slice(prefix.length)));
  return family ? { kind: 'substituted', used: family[1], newest: family[0] } : { kind: 'substituted', used: best.newest, newest: best.newest };
}

/**
 * The copy for `virsh define`: devices as designed (plus our aliases), domain-level host parts
 * dropped, every change named in `notes`. `dom` is the design's text parsed with offsets
 * (xml.ts parseDocumentElement), `design` the engine's reading of the same text: device keys and
 * labels are the engine's. `machineHelp` = the local QEMU's `-machine help`, asked only for a
 * machine type it may lack.
 */
export function makeDefineCopy(dom: XmlElement, design: Design, machineHelp: () => string): DefineCopy {
  // libvirt takes the root by its local name (virXMLParseHelper: virXMLNodeNameEqual compares
  // libxml2's node->name, the name without its prefix), so <x:domain xmlns:x='…'> is a domain; the
  // engine has already refused a prefix nothing declares. The copy keeps the root as written.
  if (dom.name.slice(dom.name.indexOf(':') + 1) !== 'domain') throw new InputProblem(`the document element is <${dom.name}>, not <domain>`);
  const notes: string[] = [];
  if (dom.attributes.type !== 'qemu') notes.push(`domain type '${dom.attributes.type ?? ''}' -> 'qemu' (TCG, no KVM needed)`);
  dom.attributes.type = 'qemu';
  delete dom.attributes.id;
  // <numatune> is kept: libvirt's define reads its memnodes and nodesets (virDomainNumatuneParseXML)
  // and refuses what it cannot read, without asking for the host's NUMA nodes; the runnable copy,
  // which starts here, drops it
  const keepTop = new Set(['name', 'memory', 'currentMemory', 'vcpu', 'vcpus', 'cpu', 'numatune', 'os', 'features', 'devices', 'on_poweroff', 'on_reboot', 'on_crash', 'iothreads', 'iothreadids']);
  const qemuNs = qemuNamespaceOf(dom);
  notes.push(...leftOut(qemuNs));
  for (const el of elements(dom)) {
    if (qemuNs.elements.includes(el)) {
      remove(el);
      continue;
    }
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
  let machineWritten: string | undefined;
  if (type && machine && !['pseries', 'q35', 'virt', 'pc'].includes(machine)) {
    const d = machineDecision(machine, machineHelp());
    if (d.kind === 'substituted') {
      notes.push(`machine '${machine}' -> '${d.used}' (${d.used === d.newest ? '' : `${d.newest}, `}the newest of its family here: this QEMU does not offer '${machine}')`);
      machineWritten = machine;
      machine = d.used;
      type.attributes.machine = machine;
    }
  }
  if (os) {
    if (os.attributes.firmware) {
      notes.push(`dropped <os firmware='${os.attributes.firmware}'>`);
      delete os.attributes.firmware;
    }
    for (const el of elements(os)) {
      if (['type', 'boot', 'bootmenu'].includes(el.name)) continue;
      remove(el);
      notes.push(`dropped <os><${el.name}> (firmware and boot files of the host)`);
    }
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
        notes.push("<ioapic driver='kvm'> -> QEMU's own IOAPIC (TCG)");
      }
    }
  }
  // CPU: keep topology and NUMA cells (PHB <node> refers to them); TCG gets its own CPU model
  let cpu = child(dom, 'cpu');
  let cells = 0;
  if (cpu) {
    const said = Object.entries(cpu.attributes).map(([k, v]) => `${k}='${v}'`);
    const model = textOf(child(cpu, 'model'))?.trim();
    if (said.length || model) notes.push(`CPU ${[...said, model && `model ${model}`].filter(Boolean).join(' ')} -> QEMU's default CPU for TCG`);
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
    const version = nvcpu <= 8 ? '2' : '3';
    if (gic.attributes.version !== version) notes.push(`aarch64: GIC version ${gic.attributes.version ?? 'default'} -> ${version} (TCG)`);
    gic.attributes.version = version;
    cpu ??= append(dom, make('cpu'));
    cpu.attributes.mode = 'maximum';
    notes.push("aarch64: CPU mode='maximum' (TCG)");
  }
  const sandboxMemory = cells ? 256 * cells : 512;
  for (const tag of ['memory', 'currentMemory']) {
    const el = child(dom, tag);
    if (!el) continue;
    setText(el, String(sandboxMemory));
    el.attributes = { unit: 'MiB' };
  }
  notes.push(`guest memory -> ${sandboxMemory} MiB${cells ? ` (256 MiB per NUMA cell)` : ''}`);
  const vcpu = child(dom, 'vcpu');
  if (vcpu && (vcpu.attributes.cpuset !== undefined || vcpu.attributes.placement === 'auto')) {
    notes.push('dropped the vCPU pinning (cpuset, placement) of the host');
    delete vcpu.attributes.cpuset;
    delete vcpu.attributes.placement;
  }

  // libvirt reads the devices of every <devices> element (virDomainDefParseXML's XPath ./devices/*):
  // they all go into the first, so every one is seen below (a second one's <emulator> was run by
  // virsh define, unscrubbed); document order is kept, as libvirt's per-type lists keep it
  const allDevices = elements(dom, 'devices');
  const devs = allDevices[0] ?? append(dom, make('devices'));
  for (const more of allDevices.slice(1)) {
    for (const el of elements(more)) append(devs, el);
    remove(more);
  }
  if (allDevices.length > 1) notes.push(`the devices of ${allDevices.length} <devices> elements put into one (libvirt reads them all; its schema allows one)`);
  const devices: DesignedDevice[] = [];
  // the engine's devices by where their element starts in the text: its keys and labels, #n de-duplication included
  const engineDevice = new Map<number, GuestDevice>();
  for (const d of design.guest.devices) {
    const at = design.source.layout?.devices.get(d.key)?.start;
    if (at !== undefined) engineDevice.set(at, d);
  }
  const counts = new Map<string, number>();
  let n = 0;
  for (const el of elements(devs)) {
    if (el.name === 'emulator') {
      remove(el);
      const written = textOf(el)?.trim() ?? '';
      if (!written.endsWith(`/qemu-system-${arch}`)) notes.push(`emulator ${written} -> this machine's qemu-system-${arch}`);
      continue;
    }
    if (el.name === 'tpm') {
      remove(el);
      notes.push('dropped <tpm> (needs swtpm or a host TPM; not on PCI)');
      continue;
    }
    const nth = counts.get(el.name) ?? 0;
    counts.set(el.name, nth + 1);
    if (!PCI_CAPABLE.has(el.name) || isPciController(el)) continue;
    const known = engineDevice.get(el.start);
    // the first serial console is the first serial port itself: libvirt gives it no address of its own
    if (known && virDomainSkipBackcompatConsole(design.guest.devices, known)) continue;
    // elements the engine does not model (a serial port given a PCI address) are named by position
    const key = known?.key ?? `${el.name}-${nth}`;
    const label = known?.label ?? [el.name, el.attributes.type, el.attributes.model].filter(Boolean).join(' ');
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
    devices.push({ key, label, element: el.name, alias, address: addr && { bus: addr.bus, slot: addr.slot, function: addr.function } });
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
  return {
    xml: serializeDomain(dom),
    arch,
    machine,
    machineWritten,
    family: machineFamily(design.guest),
    devices,
    controllers: design.guest.controllers,
    controllerAddresses,
    notes,
  };
}

/**
 * What the define copy leaves out of libvirt's QEMU namespace, and why the verdict cannot speak for
 * it. verify runs QEMU on this machine: the document's own QEMU arguments and environment (libvirt
 * appends them to QEMU's command line unchecked, qemuBuildCommandLine) could write files, load
 * libraries (LD_PRELOAD) or add devices; capabilities, device overrides and the deprecation policy
 * change what libvirt asks of QEMU (qemuDomainDefNamespaceParse, src/qemu/qemu_domain.c).
 */
function leftOut(ns: { readonly elements: readonly XmlElement[]; readonly args: readonly string[]; readonly env: readonly string[] }): string[] {
  const out: string[] = [];
  const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
  const kinds = new Set(ns.elements.map((e) => e.name.slice(e.name.indexOf(':') + 1)));
  if (kinds.has('commandline')) {
    out.push(
      `left out <qemu:commandline>: ${plural(ns.args.length, 'QEMU argument', 'QEMU arguments')} and ${plural(ns.env.length, 'environment variable', 'environment variables')} the document passes to QEMU were not run here; the verdict does not cover them`,
    );
  }
  for (const k of ['capabilities', 'override', 'deprecation']) {
    if (kinds.has(k)) out.push(`left out <qemu:${k}> (changes what libvirt asks of QEMU); the verdict does not cover it`);
  }
  for (const k of kinds) {
    if (!['commandline', 'capabilities', 'override', 'deprecation'].includes(k)) out.push(`left out <qemu:${k}> (QEMU namespace)`);
  }
  return out;
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
  // the host NUMA nodes <numatune> binds memory to, and the vCPU placement libvirt derives from
  // its placement='auto', need this host's nodes (numad): read at define, not run here
  const numatune = child(dom, 'numatune');
  if (numatune) {
    remove(numatune);
    notes.push('dropped <numatune> (host NUMA nodes; libvirt read it at define)');
    const vcpu = child(dom, 'vcpu');
    if (vcpu?.attributes.placement === 'auto') delete vcpu.attributes.placement;
  }
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
        if (t !== 'user') notes.push(`interface type=${t ?? ''} -> type=user (same model, MAC and address)`);
        el.attributes = { type: 'user' };
        keepChildren(el, NIC_KEEP);
        break;
      }
      case 'disk': {
        const device = el.attributes.device ?? 'disk';
        const old = el.attributes.type;
        const format = child(el, 'driver')?.attributes.type;
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
        const dev = child(el, 'target')?.attributes.dev ?? '';
        if (device === 'cdrom' || device === 'floppy') {
          if (old !== 'file') notes.push(`${device} ${dev}: type=${old ?? ''} -> an empty file drive`);
        } else notes.push(`disk ${dev}: ${old ?? ''} ${format ?? ''} source -> a 1 MiB raw file (same bus and address)`.replace(/\s+/g, ' '));
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
        else {
          remove(el);
          notes.push(`dropped <memory model='${el.attributes.model ?? ''}'> (memory modules of the host; not on PCI)`);
        }
        break;
      case 'input':
        if (el.attributes.type === 'passthrough') standIn(el, 'input passthrough', notes);
        else if (el.attributes.type === 'evdev') {
          remove(el);
          notes.push("dropped <input type='evdev'> (a host input device; not on PCI)");
        }
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
        if (el.attributes.type !== 'none') notes.push(`audio backend ${el.attributes.type ?? ''} -> none`);
        el.attributes = el.attributes.id ? { id: el.attributes.id, type: 'none' } : { type: 'none' };
        keepChildren(el, new Set());
        break;
      case 'serial':
      case 'parallel':
      case 'console':
      case 'channel':
        if (el.attributes.type !== 'pty') notes.push(`${el.name} type=${el.attributes.type ?? ''} -> pty (same target and address)`);
        el.attributes.type = 'pty';
        keepChildren(el, new Set(['target', 'address', 'alias']));
        break;
      case 'rng': {
        const be = child(el, 'backend');
        if (be && be.attributes.model !== 'builtin' && !(be.attributes.model === 'random' && textOf(be)?.trim() === '/dev/urandom')) {
          notes.push(`rng backend ${be.attributes.model ?? ''} -> random /dev/urandom (same model and address)`);
          be.attributes = { model: 'random' };
          setText(be, '/dev/urandom');
        }
        break;
      }
      case 'video': {
        const accel = elements(child(el, 'model') ?? el, 'acceleration');
        const d = child(el, 'driver');
        if (accel.length || d) notes.push(`video: dropped ${[accel.length ? '<acceleration>' : '', d ? '<driver>' : ''].filter(Boolean).join(' and ')} (host graphics; same model and address)`);
        for (const acc of accel) remove(acc);
        if (d) remove(d);
        break;
      }
      case 'crypto': {
        const be = child(el, 'backend');
        if (be && be.attributes.model !== 'builtin') {
          notes.push(`crypto backend ${be.attributes.model ?? ''} -> builtin (same model and address)`);
          be.attributes.model = 'builtin';
        }
        break;
      }
      case 'panic':
        if (el.attributes.model === 'hyperv') {
          remove(el);
          notes.push("dropped <panic model='hyperv'> (KVM only; not on PCI)");
        }
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
