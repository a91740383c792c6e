import type { GuestPciAddress, PciAddress } from './pci.ts';

/**
 * The guest as its domain XML describes it, in libvirt's own words. Only what PCI topology needs is
 * modelled; the rest of the document is kept as text by the XML layer and never regenerated.
 */

/** The machine families pcitopo knows (machines/ has one profile each); 'other' is every machine it does not place. */
export type MachineFamily = 'pseries' | 'q35' | 'virt' | 'i440fx' | 'other';

/** `<controller type='pci' model=…>` models libvirt knows (RULES.md §1.1). */
export type PciControllerModel =
  | 'pci-root'
  | 'pcie-root'
  | 'pci-bridge'
  | 'dmi-to-pci-bridge'
  | 'pcie-root-port'
  | 'pcie-switch-upstream-port'
  | 'pcie-switch-downstream-port'
  | 'pci-expander-bus'
  | 'pcie-expander-bus'
  | 'pcie-to-pci-bridge';

export const PCI_CONTROLLER_MODELS: readonly PciControllerModel[] = [
  'pci-root',
  'pcie-root',
  'pci-bridge',
  'dmi-to-pci-bridge',
  'pcie-root-port',
  'pcie-switch-upstream-port',
  'pcie-switch-downstream-port',
  'pci-expander-bus',
  'pcie-expander-bus',
  'pcie-to-pci-bridge',
];

/** `<target …>` of a PCI controller. Numbers are parsed; undefined means "not written". */
export interface ControllerTarget {
  /** pseries PHB target index (QEMU `spapr-pci-host-bridge,index=`) */
  readonly index?: number | undefined;
  readonly chassis?: number | undefined;
  readonly port?: number | undefined;
  readonly chassisNr?: number | undefined;
  readonly busNr?: number | undefined;
  readonly hotplug?: 'on' | 'off' | undefined;
  /** KiB */
  readonly memReserve?: number | undefined;
  /** guest NUMA node (`<target><node>N</node></target>`) */
  readonly node?: number | undefined;
}

export interface PciController {
  /** stable identity inside a design: `pci-<n>` in document order at import, `pci-new-<n>` when added */
  readonly key: string;
  /** controller index = the bus number that device addresses use; undefined when not written (GEN-IDX-6) */
  readonly index?: number | undefined;
  /** the `model` attribute as written; may be a model libvirt does not know (a rule says so) */
  readonly model: PciControllerModel | string;
  /** `<model name='…'/>` */
  readonly modelName?: string | undefined;
  readonly target: ControllerTarget;
  /** its own `<address type='pci'>` (where it plugs in); undefined for roots and unaddressed ones */
  readonly address?: GuestPciAddress | undefined;
  readonly alias?: string | undefined;
  /**
   * Attributes written with a value libvirt cannot read (`index='-1'`, `target chassis='x'`,
   * `target hotplug='x'`, `ports='x'`, `model=''`, `address multifunction='x'`), as written.
   * They are kept out of the numbers above, and the rules report them: an unreadable value must
   * never silently become "not written" (which libvirt would fill in itself).
   */
  readonly unreadable?: readonly string[] | undefined;
  /**
   * Not written in the XML: the root bus libvirt adds itself (qemuDomainDefAddDefaultDevices),
   * shown so the tree has its root and devices on bus 0 have a home. Export writes it only once
   * the design changes it.
   */
  readonly implicit?: boolean | undefined;
}

/**
 * A PCI controller to add, as much of it as is decided: libvirt's defaults fill in the rest
 * (libvirt/qemuDomainAddress.ts qemuDomainPCIControllerSetDefaults); no index: the next free one.
 */
export interface ControllerSpec {
  readonly model: PciControllerModel | string;
  readonly index?: number | undefined;
  readonly modelName?: string | undefined;
  readonly target?: ControllerTarget | undefined;
  readonly address?: GuestPciAddress | undefined;
}

/**
 * Device elements that can take a PCI address (RULES.md §1.3). `controller` here means a non-PCI
 * controller (usb, scsi, sata, virtio-serial, …); PCI controllers are {@link PciController}s.
 */
export type GuestDeviceElement =
  | 'hostdev'
  | 'interface'
  | 'disk'
  | 'controller'
  | 'filesystem'
  | 'video'
  | 'sound'
  | 'memballoon'
  | 'rng'
  | 'watchdog'
  | 'input'
  | 'shmem'
  | 'vsock'
  | 'iommu'
  | 'panic'
  | 'serial'
  | 'console'
  | 'channel'
  | 'memory'
  | 'crypto'
  | 'redirdev'
  | 'smartcard'
  | 'tpm'
  | 'nvram'
  | 'pstore'
  | 'hub';

export interface GuestDevice {
  /**
   * data-testid key (DESIGN.md §6): the host address for PCI hostdevs (`0000:01:00.0`), otherwise
   * the alias, otherwise `<element>-<n>` with n counting that element in document order from 0.
   */
  readonly key: string;
  readonly element: GuestDeviceElement;
  /** the element's `type` attribute (interface type='hostdev', controller type='usb', disk type='file', …) */
  readonly type?: string | undefined;
  /** model as libvirt reads it: `model` attribute, or `<model type=…>` for interfaces, `<model type>` for video */
  readonly model?: string | undefined;
  /** disk `<target bus=…>`, input `bus` attribute, … */
  readonly bus?: string | undefined;
  /** hostdev `mode` (subsystem/capabilities) and `managed` */
  readonly mode?: string | undefined;
  readonly managed?: string | undefined;
  readonly alias?: string | undefined;
  /**
   * `<controller index>` of a non-PCI controller (sata, usb, scsi, …) as written; undefined when not
   * written (libvirt gives the lowest unused index of its type: virDomainAssignControllerIndexes).
   */
  readonly index?: number | undefined;
  /**
   * A non-PCI controller's `index` as written when libvirt cannot read it as a non-negative int
   * (`index='x'`, `index='0x1'`, `index='-1'`): kept out of `index`, so it never reads as "not
   * written" (libvirt refuses the domain at parse, GEN-IDX-1).
   */
  readonly unreadableIndex?: string | undefined;
  /**
   * Other attributes libvirt cannot read, as written: a non-PCI controller's (`ports='x'`,
   * `ports='0x10'`, virtio-serial `vectors='-1'`: virDomainControllerDefParseXML, GEN-IDX-1), a
   * non-PCI `<address>`'s (`address controller='x'`, `address port='x'`) and a host `<source>`
   * address's (`source address bus='x'`): libvirt's address parsers (GEN-ADDR-3). libvirt refuses
   * the domain at parse.
   */
  readonly unreadableAttributes?: readonly string[] | undefined;
  /**
   * A `<filesystem>`'s `<driver type>` as written (`path`, `handle`, `virtiofs`, …); undefined when
   * not written. It decides the QEMU device (qemuBuildVirtioDevGetConfig): `virtiofs` is
   * vhost-user-fs-pci, every other driver libvirt's QEMU driver takes is virtio-9p-pci.
   */
  readonly driverType?: string | undefined;
  /** host side of a PCI hostdev or `<interface type='hostdev'>`: `<source><address …/></source>` */
  readonly hostAddress?: PciAddress | undefined;
  /** guest PCI address; undefined when the device has none written */
  readonly address?: GuestPciAddress | undefined;
  /**
   * The bus the XML names when libvirt's define moves the device off it: it adds a pcie-root-port
   * + pcie-to-pci-bridge for a conventional PCI device on a missing bus of a PCIe-only guest and
   * bumps the device onto the bridge (virDomainPCIAddressSetGrow; `address` is where it lands).
   * Set only on the devices libvirt/qemuDomainAddress.ts qemuDomainPCIAddressSetCollect returns:
   * the design keeps the written address.
   */
  readonly writtenBus?: number | undefined;
  /** the `type` of a non-PCI `<address>` when one is written (spapr-vio, unassigned, ccw, drive, …) */
  readonly otherAddressType?: string | undefined;
  /** the `reg` of a written `<address type='spapr-vio' reg='…'/>` (libvirt reads it in base 16) */
  readonly addressReg?: number | undefined;
  /**
   * The `controller` of a `<address type='drive'|'virtio-serial'|'ccid'>`: the index of the disk,
   * serial or smartcard controller the device sits on (libvirt adds that controller when missing).
   */
  readonly addressController?: number | undefined;
  /** the `bus`, `target` and `unit` of a `<address type='drive'>` (0 when not written, as libvirt reads them) */
  readonly addressDrive?: { readonly bus: number; readonly target: number; readonly unit: number } | undefined;
  /** the `port` of a `<address type='virtio-serial'>` (0 or absent: libvirt picks one) */
  readonly addressPort?: number | undefined;
  /** a virtio-serial controller's `ports` (absent: 31, VIR_DOMAIN_DEFAULT_VIRTIO_SERIAL_PORTS) */
  readonly ports?: number | undefined;
  /** a disk's `<target dev>` (vda, sdg, hdc): libvirt derives the drive address of a disk written without one from it */
  readonly targetDev?: string | undefined;
  /** a short label for people: "disk vda", "hostdev 0001:01:00.0" */
  readonly label: string;
  /**
   * A device libvirt adds by itself (default USB controller, memballoon, …) that auto-placement
   * models so its prediction holds. Never written to the XML: libvirt adds it again at define time.
   */
  readonly implicit?: boolean | undefined;
  /** `<address type='pci'>` attributes libvirt cannot read, as written (see PciController.unreadable) */
  readonly unreadable?: readonly string[] | undefined;
}

export interface NumaCell {
  /** undefined when written but unreadable (noted in Guest.unreadable): the cell still counts */
  readonly id: number | undefined;
  readonly cpus?: string | undefined;
  readonly memory?: string | undefined;
}

/** `<numatune><memnode cellid nodeset/>`: guest cell -> host node(s) */
export interface NumaMemnode {
  readonly cellid: number;
  readonly nodeset: string;
  readonly mode?: string | undefined;
}

/**
 * A `<numatune><memnode>` as written, every one in document order, for what libvirt refuses when it
 * parses them (libvirt/numaConf.ts virDomainNumatuneNodeParseXMLError); {@link NumaMemnode} holds
 * the ones it maps.
 */
export interface WrittenMemnode {
  /** `cellid` read in base 10; undefined when not written or unreadable */
  readonly cellid?: number | undefined;
  /** `cellid` written but not a number libvirt reads (Guest.unreadable has it) */
  readonly cellidUnreadable?: boolean | undefined;
  readonly mode?: string | undefined;
  readonly nodeset?: string | undefined;
}

export interface Guest {
  readonly name?: string | undefined;
  /** domain `type` attribute: kvm, qemu, … */
  readonly domainType?: string | undefined;
  /** `<os><type arch=…>`; undefined when not written */
  readonly arch?: string | undefined;
  /** `<os><type machine=…>` */
  readonly machine?: string | undefined;
  readonly numaCells: readonly NumaCell[];
  readonly numaMemnodes: readonly NumaMemnode[];
  /** every `<memnode>` as written (undefined when there is none): {@link WrittenMemnode} */
  readonly memnodesWritten?: readonly WrittenMemnode[] | undefined;
  /**
   * Numbers of the domain's own elements libvirt cannot read, as written (`cell id='x'`,
   * `memnode cellid='0x1'`): libvirt refuses the domain at parse (GEN-IDX-1 reports them).
   */
  readonly unreadable?: readonly string[] | undefined;
  readonly controllers: readonly PciController[];
  readonly devices: readonly GuestDevice[];
  /** how many `<graphics>` the domain has (undefined: none): libvirt adds a video device for them (virDomainDefAddImplicitVideo) */
  readonly graphics?: number | undefined;
  /**
   * The `<controller type>`s in the order their first element is written ('pci' for the PCI
   * controllers, '' for one without a type), which is the order libvirt keeps def->controllers
   * grouped in (virDomainDefControllersParse inserts each with virDomainControllerInsertPreAlloced,
   * src/conf/domain_conf.c: after the last one of its type, a new type at the end). Set only when
   * the PCI controllers are not written after every other type; undefined: PCI controllers last.
   * libvirt/qemuDomainAddress.ts virDomainDeviceInfoIterateOrder reads it.
   */
  readonly controllerTypeOrder?: readonly string[] | undefined;
  /**
   * The values of `<qemu:commandline><qemu:arg>` in document order (undefined: none), read by
   * namespace as libvirt reads them (xml/qemuNamespace.ts); libvirt appends them to QEMU's command
   * line unchecked (qemuBuildCommandLine), so what they add is outside the design (GEN-CMDLINE-1).
   */
  readonly qemuArgs?: readonly string[] | undefined;
  /**
   * The `<qemu:override><qemu:device alias><qemu:frontend><qemu:property>` entries in document
   * order (undefined: none), read by namespace (xml/qemuNamespace.ts); libvirt sets each on the
   * QEMU device of that alias unchecked (qemuBuildDeviceCommandlineHandleOverrides), so a `bus` or
   * `addr` there moves the device away from where the design puts it (GEN-CMDLINE-1).
   */
  readonly qemuOverrides?: readonly QemuOverride[] | undefined;
}

/** One `<qemu:property>` of a `<qemu:override>`: the QEMU property set (or removed) on the device of `alias`. */
export interface QemuOverride {
  /** the `<qemu:device alias>`: libvirt's alias of the device (`ua-…` when the XML names it) */
  readonly alias: string;
  /** the QEMU property (`bus`, `addr`, `multifunction`, …) */
  readonly name: string;
  /** string, signed, unsigned, bool, or remove (the property is deleted) */
  readonly type?: string | undefined;
  readonly value?: string | undefined;
}

/** A pseries vPHB: `pci-root` (PAPR-PHB-1, PAPR-PHB-7: with or without the model name). */
export function isPhb(c: Pick<PciController, 'model' | 'modelName'>): boolean {
  return c.model === 'pci-root' && (c.modelName === undefined || c.modelName === 'spapr-pci-host-bridge');
}

export function controllerByIndex(guest: Guest, index: number): PciController | undefined {
  return guest.controllers.find((c) => c.index === index);
}

/** Devices whose guest address is on the bus of controller `index`, and controllers plugged into it. */
export function childrenOfBus(guest: Guest, index: number): { devices: GuestDevice[]; controllers: PciController[] } {
  return {
    devices: guest.devices.filter((d) => d.address?.bus === index),
    controllers: guest.controllers.filter((c) => c.address?.bus === index),
  };
}
