import type { Rule } from './types.ts';

/**
 * How the rule engine covers each RULES.md id (issue 4). Registered rules speak for themselves;
 * every other id is listed here with the reason it has no rule of its own, so the catalog page
 * (docs/rules.md, `npx tsx scripts/gen-rules-doc.ts`) and test/rule-coverage.test.ts can prove
 * that no id of RULES.md was forgotten.
 */

export type Coverage =
  /** other rules report every design-time case of it */
  | { readonly kind: 'covered'; readonly by: readonly string[]; readonly reason: string }
  /** about a live operation or an input the design does not hold */
  | { readonly kind: 'not-judgeable'; readonly reason: string }
  /** behaviour the engine reproduces (auto-placement, the model, the importers) rather than checks */
  | { readonly kind: 'modelled'; readonly by: string; readonly reason: string };

export interface UncheckedId {
  /** as RULES.md gives it */
  readonly severity: string;
  readonly title: string;
  readonly coverage: Coverage;
}

const PLACEMENT = 'placement';

export const NOT_IMPLEMENTED: Readonly<Record<string, UncheckedId>> = {
  'GEN-ADDR-5': { severity: 'info', title: "An address's bus is the controller index", coverage: { kind: 'modelled', by: 'the guest model', reason: 'addresses are kept in libvirt\'s terms (bus = controller index); model/pci.ts' } },
  'GEN-IDX-5': { severity: 'info', title: 'Index gaps are filled with the default model', coverage: { kind: 'modelled', by: PLACEMENT, reason: "the libvirt policy's address set gives a missing index the machine's default bus model" } },
  'GEN-TGT-2': { severity: 'info', title: 'Target defaults libvirt writes back', coverage: { kind: 'modelled', by: PLACEMENT, reason: 'qemuDomainPCIControllerSetDefaults (src/engine/libvirt) writes chassisNr, chassis, port and busNr as libvirt does' } },
  'GEN-MF-1': { severity: 'info', title: "multifunction='on' is set automatically", coverage: { kind: 'modelled', by: PLACEMENT, reason: "virDomainPCIAddressSetAllMulti; GEN-MF-2 reports an explicit 'off'" } },
  'GEN-MF-4': { severity: 'info', title: 'Auto-assignment gives every endpoint its own slot', coverage: { kind: 'modelled', by: PLACEMENT, reason: 'the address-set model aggregates only root ports (AGGREGATE_SLOT)' } },
  'GEN-HP-2': { severity: 'error', title: 'A hotplugged device with an address uses function 0', coverage: { kind: 'not-judgeable', reason: 'about a live attach; a design has no hotplug plan (the cold-plug counterpart is GEN-MF-3)' } },
  'GEN-HP-3': { severity: 'error', title: 'libvirt cannot hot-add PCI controllers', coverage: { kind: 'not-judgeable', reason: 'every controller of a design exists at boot; the consequence, spares must be pre-created, is Q35-HP-1 and PAPR-HP-2' } },
  'GEN-HP-4': { severity: 'error', title: 'Hotplug never creates buses', coverage: { kind: 'not-judgeable', reason: 'about a live attach; the missing-spare case is Q35-HP-1 and PAPR-HP-2' } },
  'GEN-AUTO-1': { severity: 'info / error', title: 'Auto-add when no slot is free', coverage: { kind: 'covered', by: ['GEN-CONNECT-1', 'PAPR-CTRL-4'], reason: 'the error (a controller libvirt can never add) is GEN-CONNECT-1, on pseries PAPR-CTRL-4; the auto-add itself is modelled by placement' } },
  'GEN-AUTO-2': { severity: 'info', title: 'Spare-slot reservation', coverage: { kind: 'modelled', by: PLACEMENT, reason: 'the libvirt policy reserves the spare slot and adds the spare root port' } },
  'GEN-ORDER-1': { severity: 'info', title: 'Auto-assignment order', coverage: { kind: 'modelled', by: PLACEMENT, reason: 'assignmentOrder follows qemuDomainAssignDevicePCISlots' } },
  'PAPR-MACH-1': { severity: 'info', title: 'What a pseries guest is', coverage: { kind: 'modelled', by: 'the guest model', reason: 'machineFamily() decides which rules apply' } },
  'PAPR-PHB-1': { severity: 'info / error', title: 'How a vPHB is written; only pseries has several pci-roots', coverage: { kind: 'covered', by: ['GEN-IDX-3'], reason: 'a second pci-root on another machine is GEN-IDX-3; name and target index fill-in are modelled by placement' } },
  'PAPR-PHB-4': { severity: 'info', title: 'Controller index and target index are independent', coverage: { kind: 'modelled', by: PLACEMENT, reason: 'new PHBs get the lowest free target index; the 31st is PAPR-ISO-9' } },
  'PAPR-PHB-6': { severity: 'info', title: 'PHB command line and bus names', coverage: { kind: 'not-judgeable', reason: 'QEMU command-line naming, nothing to check in the topology (the alias trap is PAPR-PHB-9)' } },
  'PAPR-PHB-7': { severity: 'info', title: 'No model name means spapr-pci-host-bridge', coverage: { kind: 'modelled', by: 'the guest model', reason: 'isPhb() accepts both spellings' } },
  'PAPR-PHB-8': { severity: 'info', title: 'Each PHB is a PCI domain in the guest', coverage: { kind: 'not-judgeable', reason: 'what the guest kernel shows; nothing libvirt or QEMU can refuse' } },
  'PAPR-PCIE-1': { severity: 'info', title: 'PHB buses are conventional PCI to libvirt', coverage: { kind: 'modelled', by: 'the connect-flag table', reason: 'libvirt/qemuDomainAddress.ts endpointConnectType classifies every endpoint as PCI without a pcie-root' } },
  'PAPR-BRIDGE-1': { severity: 'info', title: 'pci-bridge is allowed on pseries', coverage: { kind: 'modelled', by: 'the connect-flag table', reason: 'bridges on PHBs are legal there; their pitfalls are PAPR-BRIDGE-2 and PAPR-BRIDGE-4' } },
  'PAPR-BRIDGE-3': { severity: 'error', title: 'A hotplugged pci-bridge cannot be unplugged', coverage: { kind: 'not-judgeable', reason: 'bridges in a design are cold-plugged, and libvirt cannot hotplug one (GEN-HP-3)' } },
  'PAPR-ISO-1': { severity: 'info', title: 'How the isolation group is computed', coverage: { kind: 'modelled', by: PLACEMENT, reason: 'qemuDomainFillDeviceIsolationGroup(): host IOMMU group + 1 for hostdevs, 0 for the rest' } },
  'PAPR-ISO-2': { severity: 'info', title: 'PHB 0 never receives an auto-placed hostdev', coverage: { kind: 'modelled', by: PLACEMENT, reason: 'the address-set model locks PHB 0 to group 0' } },
  'PAPR-ISO-3': { severity: 'info', title: 'One PHB per IOMMU group', coverage: { kind: 'modelled', by: PLACEMENT, reason: 'the three placement steps of virDomainPCIAddressGetNextAddr; a group split over PHBs is PAPR-ISO-5' } },
  'PAPR-ISO-10': { severity: 'info', title: 'Design note: a PHB per group, not per device', coverage: { kind: 'modelled', by: PLACEMENT, reason: 'the pe-per-phb policy places one host group per vPHB' } },
  'PAPR-DMA-2': { severity: 'info', title: 'Dynamic DMA windows', coverage: { kind: 'not-judgeable', reason: 'machine-version and guest-driver behaviour; nothing in the topology decides it' } },
  'PAPR-MMIO-1': { severity: 'info', title: 'Per-PHB MMIO windows', coverage: { kind: 'not-judgeable', reason: 'fixed per PHB by QEMU; the only limit it implies is the PHB count (PAPR-PHB-2)' } },
  'PAPR-MMIO-2': { severity: 'info', title: 'Legacy window layout (pseries-2.7 and older)', coverage: { kind: 'not-judgeable', reason: 'depends on guest RAM size and QEMU version, which the design does not hold' } },
  'PAPR-NUMA-3': { severity: 'error', title: 'QEMU needs spapr-pci-host-bridge.numa_node', coverage: { kind: 'not-judgeable', reason: "needs the QEMU binary's capabilities, which a design does not hold (the QEMU in libvirt's test data has it)" } },
  'PAPR-HP-3': { severity: 'error (via libvirt)', title: 'PHBs are cold-plug only', coverage: { kind: 'not-judgeable', reason: 'every PHB of a design exists at boot; libvirt cannot hotplug one (GEN-HP-3)' } },
  'PAPR-HP-4': { severity: 'info', title: "hotplug='off' on a PHB only gates libvirt", coverage: { kind: 'covered', by: ['GEN-HP-1', 'GEN-HP-5'], reason: "its design-time effects (no hotplug into it, no hot-unplug from it) are GEN-HP-1 and GEN-HP-5" } },
  'PAPR-HP-5': { severity: 'error', title: 'Function hotplug and cascading unplug', coverage: { kind: 'covered', by: ['GEN-MF-3', 'GEN-HP-5'], reason: 'the hotplug itself is live; a design-time function > 0 without function 0 is GEN-MF-3, and devices sharing a slot are reported by GEN-HP-5' } },
  'PAPR-EEH-1': { severity: 'info', title: 'A QEMU PE is a PHB', coverage: { kind: 'modelled', by: PLACEMENT, reason: 'the pe-per-phb policy draws one host group per non-default PHB' } },
  'PAPR-EEH-2': { severity: 'warning', title: 'A PHB without VFIO device has no EEH', coverage: { kind: 'covered', by: ['PAPR-ISO-6', 'PAPR-ISO-7'], reason: 'EEH only matters for passed-through devices: losing it for them is PAPR-ISO-6/7; emulated-only PHBs are normal (libvirt makes them itself, pseries-many-devices)' } },
  'Q35-RSV-2': { severity: 'info', title: 'Preferred q35 default addresses', coverage: { kind: 'modelled', by: PLACEMENT, reason: 'the q35 chipset step reserves the ICH9 defaults' } },
  'Q35-RP-1': { severity: 'error / info', title: 'pcie-root-port basics', coverage: { kind: 'covered', by: ['GEN-CONNECT-3', 'Q35-RP-4', 'GEN-MODEL-1', 'GEN-TGT-1', 'GEN-HP-1'], reason: "parent (GEN-CONNECT-3), slot 0 only (Q35-RP-4), model name (GEN-MODEL-1), hotplug attribute (GEN-TGT-1, GEN-HP-1); the QEMU hotplug capability is not in a design" } },
  'Q35-RP-2': { severity: 'info', title: 'Auto-added root ports are packed 8 per slot', coverage: { kind: 'modelled', by: PLACEMENT, reason: 'AGGREGATE_SLOT in the address-set model' } },
  'Q35-SW-1': { severity: 'error / info', title: 'Switch upstream and downstream ports', coverage: { kind: 'covered', by: ['GEN-CONNECT-3', 'GEN-CONNECT-1', 'GEN-HP-1'], reason: 'where each port plugs (GEN-CONNECT-3, GEN-CONNECT-1 when unaddressed) and no hotplug into an upstream port (GEN-HP-1)' } },
  'Q35-PCI-1': { severity: 'info', title: 'Legacy PCI endpoints get a pcie-to-pci-bridge', coverage: { kind: 'modelled', by: PLACEMENT, reason: 'the address-set model grows with root port + pcie-to-pci-bridge' } },
  'Q35-HOSTDEV-1': { severity: 'info', title: 'PCIe or conventional host device', coverage: { kind: 'modelled', by: 'the host import', reason: 'the nodedev importer reads <pci-express>; GEN-CONNECT-2 warns on a mismatch' } },
  'Q35-VIRTIO-1': { severity: 'warning', title: 'Modern-only virtio behind PCIe ports', coverage: { kind: 'not-judgeable', reason: "the model does not keep virtio <driver> options; IO space behind ports is Q35-IO-1" } },
  'VIRT-ROOT-1': { severity: 'info', title: 'aarch64 virt has pcie-root and no ICH9 slots', coverage: { kind: 'modelled', by: 'the guest model', reason: 'machineFamily() gives virt the q35 rule set without Q35-RSV-*' } },
  'VIRT-VIRTIO-1': { severity: 'info', title: 'virtio-mmio versus PCI on virt', coverage: { kind: 'not-judgeable', reason: "depends on the QEMU binary's capabilities and on devices outside the PCI model" } },
  'VIRT-PCI-1': { severity: 'info', title: 'Legacy PCI on virt', coverage: { kind: 'modelled', by: PLACEMENT, reason: 'same growth as Q35-PCI-1' } },
  'HD-XML-1': { severity: 'info', title: 'How PCI passthrough is written', coverage: { kind: 'modelled', by: 'the domain XML importer', reason: 'reads and writes <hostdev> as libvirt does' } },
  'HD-XML-2': { severity: 'info', title: "<address type='unassigned'/> keeps a hostdev out", coverage: { kind: 'modelled', by: 'the domain XML importer', reason: 'kept as otherAddressType; such hostdevs take no slot' } },
  'HD-XML-3': { severity: 'info', title: "<interface type='hostdev'> is a hostdev", coverage: { kind: 'modelled', by: 'the guest model', reason: 'isHostdev() counts it for placement and isolation' } },
  'HD-NODEDEV-1': { severity: 'info', title: 'Host facts come from nodedev XML', coverage: { kind: 'modelled', by: 'the host import', reason: 'xml/nodedev.ts reads IOMMU group, VFs, PCIe-ness and NUMA node' } },
};

/**
 * Rule ids pcitopo adds to RULES.md's catalog, named in its scheme (`<family>-<topic>-<n>`), for
 * behaviour RULES.md does not list: the kinds issue 13 found by running pcitopo against real
 * reports and real libvirt + QEMU. Each is a registered rule; its source is in its file.
 */
export const ADDED_IDS: Readonly<Record<string, { readonly origin: string }>> = {
  'GEN-USB-1': { origin: 'issue 13 (d15): another USB controller, or a USB device, once USB is disabled is refused by libvirt' },
  'HD-SRC-1': { origin: 'issue 13: a hostdev with no source is refused by libvirt' },
  'HD-SRC-2': { origin: 'issue 13 (d16, p02): the same host device twice is refused by libvirt' },
  'HD-SRC-3': { origin: 'issue 13: a hostdev whose source is not on the loaded host' },
  'HD-MF-1': { origin: 'issue 13: functions of one host device split over guest slots' },
  'PAPR-VIO-1': { origin: 'issue 12 (differential): a spapr-vlan NIC or ibmvscsi controller written with a PCI address leaves PCI at define (libvirt gives it a spapr-vio address)' },
  'PAPR-VIO-2': { origin: 'issue 13 (differential): two spapr-vio devices written with PCI addresses on bus 0 at slots other than 0 (both reg 0), or one on a bus other than 0 (reg above 32 bits): libvirt refuses' },
  'PC-PIIX3-2': { origin: 'issue 13 (differential): a device written at a PIIX3 function of 00:01 (the ISA bridge, ACPI, or the IDE/USB function libvirt gives its controller) is refused by libvirt as a double use; at 00:01.1 with no IDE controller libvirt defines it and QEMU refuses (its own piix3-ide is always there)' },
  'GEN-ADDR-6': { origin: "libvirt's own tests disk-usb-pci and video-ramfb-display-device-pci-address (corpus beyond ../shared/corpus): a device that plugs into no PCI bus (USB/IDE/SATA/SCSI disk, ramfb, USB input, ISA watchdog, serial or sound, usb-net) written with a PCI address is refused by libvirt or QEMU" },
  'GEN-IDE-1': { origin: 'issue 13 (differential): a second IDE controller on i440fx, or any on q35/virt/pseries, is refused by libvirt' },
  'GEN-CMDLINE-1': { origin: "issue 11 (hostile testing): a -device passed through <qemu:commandline> reaches QEMU unchecked by libvirt, and pcitopo did not say it does not check it either" },
  'GEN-MODEL-3': { origin: "fidelity review: a controller type libvirt does not know, or a model its type has not (<controller type='usb' model='nonsense'>, a PCI model libvirt does not know), is refused by libvirt at parse" },
  'GEN-MODEL-4': { origin: "libvirt's own 10.7 outputs run through libvirt 9.0's parser (corpus beyond ../shared/corpus): <panic model='pvpanic'>, <sound model='virtio'> and the <watchdog model='itco'> 10.x writes for q35 are refused by libvirt 9.0 at parse" },
  'GEN-FS-1': { origin: "issue 11 (fidelity): a <filesystem> with driver type loop, nbd or ploop was taken for a 9p PCI device, and a virtiofs one with a model passed, where libvirt's QEMU driver refuses both (qemuValidateDomainDeviceDefFS)" },
  'GEN-SOUND-1': { origin: 'issue 13 (differential): <sound model=\'ich7\'> (a bhyve model) is refused by libvirt\'s QEMU driver' },
  'PC-PIIX3-1': { origin: 'issue 13 (differential): the i440fx PIIX3 IDE and USB functions written at another PCI address are refused by libvirt at define' },
  'Q35-HP-2': { origin: 'issue 13: hotplug room counted per kind: conventional PCI devices hot-plug only into a bridge slot' },
  'Q35-NUMA-1': { origin: 'issue 13: NUMA locality of passthrough devices on q35 and virt (the pseries one is PAPR-NUMA-4)' },
  'HD-SHARE-1': { origin: 'issue 15: across the guests of a workspace (src/engine/rules/workspace/HD-SHARE-1.ts), one host device given to two guests' },
  'HD-SHARE-2': { origin: 'issue 15: across the guests of a workspace (src/engine/rules/workspace/HD-SHARE-2.ts), one IOMMU group split between guests' },
  'HD-NUMA-1': { origin: 'issue 15: across the guests of a workspace (src/engine/rules/workspace/HD-NUMA-1.ts), what each guest takes from each host NUMA node' },
};

/**
 * Registered rules whose severity is not the one RULES.md gives, and why: RULES.md rates the
 * live operation, the rule rates what can be seen in the design.
 */
export const SEVERITY_NOTES: Readonly<Record<string, { readonly rulesMd: string; readonly reason: string }>> = {
  'GEN-HP-1': { rulesMd: 'error', reason: "RULES.md's error is libvirt refusing the hotplug itself; an empty port that cannot take one is accepted (libvirt's own test pcie-root-port-nohotplug has two), so the design gets a warning" },
  'GEN-HP-5': { rulesMd: 'error', reason: "RULES.md's error is libvirt refusing the hot-unplug itself; in a design it is a property of the placement, so info" },
  'PAPR-PHB-9': { rulesMd: 'warning', reason: "RULES.md's warning names the affected release in the words; judged as the release that is affected (validate --libvirt-version 9.x, the app's 9.0 setting) QEMU refuses to start, so an error, and judged as 10.x, which handles the alias, an info note" },
  'PAPR-HP-2': { rulesMd: 'error', reason: "RULES.md's error happens at hotplug time; a design without an empty vPHB is valid, so info, with the error named in the message" },
};

export type CatalogStatus = 'implemented' | Coverage['kind'];

export interface CatalogRow {
  readonly id: string;
  readonly severity: string;
  readonly title: string;
  readonly status: CatalogStatus;
  /** human text of the status column */
  readonly detail: string;
}

const PREFIX_ORDER = ['GEN', 'PAPR', 'Q35', 'VIRT', 'HD'];

function compareIds(a: string, b: string): number {
  const pa = a.split('-');
  const pb = b.split('-');
  const oa = PREFIX_ORDER.indexOf(pa[0] ?? '');
  const ob = PREFIX_ORDER.indexOf(pb[0] ?? '');
  if (oa !== ob) return oa - ob;
  const ma = pa.slice(1, -1).join('-');
  const mb = pb.slice(1, -1).join('-');
  if (ma !== mb) return ma < mb ? -1 : 1;
  return Number(pa[pa.length - 1]) - Number(pb[pb.length - 1]);
}

function coverageText(c: Coverage): string {
  switch (c.kind) {
    case 'covered':
      return `covered by ${c.by.join(', ')}: ${c.reason}`;
    case 'not-judgeable':
      return `not judgeable from a design: ${c.reason}`;
    case 'modelled':
      return `modelled by ${c.by}: ${c.reason}`;
  }
}

/** One row per RULES.md id and {@link ADDED_IDS} id: the registered rules plus {@link NOT_IMPLEMENTED}, GEN, PAPR, Q35, VIRT, HD order. */
export function ruleCatalog(rules: readonly Pick<Rule, 'meta'>[]): CatalogRow[] {
  const rows: CatalogRow[] = rules.map((r) => {
    const note = SEVERITY_NOTES[r.meta.id];
    return {
      id: r.meta.id,
      severity: note ? `${r.meta.severity} (RULES.md: ${note.rulesMd})` : r.meta.severity,
      title: r.meta.title,
      status: 'implemented',
      detail: `implemented${r.meta.needsHost ? ', needs the host' : ''}${note ? `; ${note.reason}` : ''}${ADDED_IDS[r.meta.id] ? `; not in RULES.md, added by pcitopo (${ADDED_IDS[r.meta.id]?.origin}); source: ${r.meta.source}` : ''}`,
    };
  });
  for (const [id, u] of Object.entries(NOT_IMPLEMENTED)) rows.push({ id, severity: u.severity, title: u.title, status: u.coverage.kind, detail: coverageText(u.coverage) });
  return rows.sort((a, b) => compareIds(a.id, b.id));
}

/** Table cell text: `|` escaped, XML element names as code so Markdown does not take them for HTML. */
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ').replace(/<[^>]+>/g, (m) => `\`${m}\``);

/** docs/rules.md, as scripts/gen-rules-doc.ts writes it. */
export function catalogMarkdown(rules: readonly Pick<Rule, 'meta'>[]): string {
  const rows = ruleCatalog(rules);
  const count = (s: CatalogStatus): number => rows.filter((r) => r.status === s).length;
  const lines = [
    '# Rule catalog',
    '',
    '<!-- Generated by `npx tsx scripts/gen-rules-doc.ts` from the rule registry (src/engine/rules/index.ts)',
    '     and src/engine/rules/coverage.ts. Do not edit: test/rule-coverage.test.ts fails when it is stale. -->',
    '',
    'Every id of RULES.md, and how pcitopo covers it. The ids, severities and sources are RULES.md\'s;',
    'each implemented rule cites its libvirt/QEMU source in its file, `src/engine/rules/<ID>.ts`.',
    'Ids marked "not in RULES.md" are pcitopo\'s own additions in the same scheme, with their source in the row.',
    '',
    `${rows.length} ids: ${count('implemented')} implemented, ${count('covered')} covered by other rules, ${count('modelled')} modelled (placement, model, importers), ${count('not-judgeable')} not judgeable from a design.`,
    '',
    '| Id | Severity | Title | Status |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.id} | ${cell(r.severity)} | ${cell(r.title)} | ${cell(r.detail)} |`),
    '',
  ];
  return lines.join('\n');
}
