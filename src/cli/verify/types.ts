/** The shapes `pcitopo verify` reports (its --json output) and passes between its steps. */

export interface BusSlotFunction {
  bus: number;
  slot: number;
  function: number;
}

export interface VerifyDevice {
  /** the engine's device key (host address of a PCI hostdev, alias, or `<element>-<n>`); `pci-ctrl-<index>` for PCI controllers */
  key: string;
  /** how people name it: the engine's label (`disk vda`, `hostdev 0000:01:00.0`) */
  label: string;
  element: string;
  /** where the design put it (undefined: the design left it to libvirt, or libvirt added the device) */
  designed?: BusSlotFunction | undefined;
  /** where libvirt put it (bus = controller index) */
  libvirt?: BusSlotFunction | undefined;
  /** where QEMU realised it: bus = QEMU bus name (pci.0, pci.1.0 for vPHB 1, pci.3 behind port pci.3) */
  qemu?: { bus: string; parentController?: string | undefined; slot: number; function: number } | undefined;
  agree: boolean;
  note?: string | undefined;
}

export interface VerifyController {
  index: number;
  model: string;
  /** vPHB target index as libvirt has it; QEMU's `index` property must match */
  targetIndex?: number | undefined;
  /** root/downstream port chassis as libvirt has it; QEMU's `chassis` property must match */
  chassis?: number | undefined;
  /** the QEMU device id (libvirt's alias) */
  qemuId?: string | undefined;
  agree: boolean;
  note?: string | undefined;
}

export interface VerifyReport {
  /** accepted by schema, libvirt and QEMU, and everything where the design put it */
  ok: boolean;
  /** the last stage reached: where it stopped when not ok */
  stage: 'schema' | 'libvirt' | 'qemu' | 'done';
  /** libvirt's or QEMU's own message(s) when refused; our message for other problems */
  error?: string | undefined;
  /** set when no verdict came from libvirt/QEMU: the input cannot be read, tools are missing, or verify itself failed */
  problem?: 'unreadable' | 'tools-missing' | 'internal' | undefined;
  missingTools?: string[] | undefined;
  libvirtVersion?: string | undefined;
  qemuVersion?: string | undefined;
  arch?: string | undefined;
  /** the machine type libvirt and QEMU ran */
  machine?: string | undefined;
  /** the design's machine type when the local QEMU lacks it and verify ran `machine` instead (also in substitutions) */
  machineWritten?: string | undefined;
  controllers: VerifyController[];
  devices: VerifyDevice[];
  /** every change made to run the design here (machine, models, stand-in devices, host parts); none moves a PCI device */
  substitutions: string[];
  timingMs: Record<string, number>;
  /** devices libvirt added (default USB controller, memballoon, …) on the last empty ports/vPHBs the design kept for hotplug */
  sparesTaken?: string[] | undefined;
  /**
   * What verify assumed of the host it was not given (host.ts hostAssumptions): on pseries, the
   * hostdevs' host IOMMU groups (PEs), and what libvirt here could read of them
   */
  hostAssumed?: string[] | undefined;
}

/** One QMP command and QEMU's answer, as recorded for tests (readback.ts Recording). */
export interface QmpExchange {
  execute: string;
  arguments?: Record<string, unknown> | undefined;
  return?: unknown;
  error?: string | undefined;
}

/** What verify read back from libvirt and QEMU: the input of `compare`, kept for tests and debugging. */
export interface Readback {
  /** libvirt's dumpxml of the define copy (every address it assigned) */
  normalized: string;
  /** libvirt's dumpxml of the running copy (QEMU ids as aliases) */
  live: string;
  qmp: QmpExchange[];
}

export interface VerifyOptions {
  /** limit for each libvirt+QEMU step (default 120) */
  timeoutSec?: number;
  /** keep the sandbox dir for debugging (its path goes to stderr) */
  keepDir?: boolean;
  /**
   * where to keep libvirt's QEMU capability probe between runs (~1.5 s per emulator);
   * default $PCITOPO_CACHE_DIR or ~/.cache/pcitopo/libvirt-qemu; false: none
   */
  cacheDir?: string | false;
  /** receives what was read back, before the comparison (tests record their fixtures with it) */
  onReadback?: (r: Readback) => void;
}

/** A device QEMU has, as its QOM tree shows it. */
export interface QomDevice {
  driver: string;
  bus?: string | undefined;
  parentController?: string | undefined;
  slot?: number | undefined;
  function?: number | undefined;
  /** the PCI bus this device provides, if it is a controller */
  childBus?: string | undefined;
  index?: number | undefined;
  chassis?: number | undefined;
}
