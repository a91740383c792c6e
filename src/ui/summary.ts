/**
 * What an import, an auto-place or a fix did, in one line for people (issue 10): "placed 6 devices,
 * added 3 vPHBs; 1 warning left". Pure: compares two designs and counts findings.
 */
import type { Design, Finding, PciController } from '../engine/index.ts';
import { controllerName, machineFamily, machineProfile, takesPciAddress } from '../engine/index.ts';

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

const sameAddress = (a: Design['guest']['devices'][number]['address'], b: Design['guest']['devices'][number]['address']): boolean =>
  !!a && !!b && a.domain === b.domain && a.bus === b.bus && a.slot === b.slot && a.function === b.function;

/** "vPHB", "pcie-root-port": the kind word of a controller's name, for "added 3 vPHBs". */
function kindOf(c: PciController, design: Design): string {
  return controllerName({ ...c, index: 0, target: { ...c.target, index: 0 } }, machineFamily(design.guest)).replace(/ 0$/, '');
}

/** "1 error and 2 warnings left", "no errors or warnings left". */
export function leftText(findings: readonly Finding[]): string {
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.filter((f) => f.severity === 'warning').length;
  if (errors === 0 && warnings === 0) return 'no errors or warnings left';
  const parts = [errors ? plural(errors, 'error') : '', warnings ? plural(warnings, 'warning') : ''].filter(Boolean);
  return `${parts.join(' and ')} left`;
}

/**
 * What changed from `before` to `after`: devices placed (had no address), moved, added, removed;
 * controllers added and removed by kind; then the errors and warnings left. Devices libvirt adds by
 * itself (implicit) are not counted: the XML never holds them.
 */
export function changeSummary(before: Design, after: Design, findings: readonly Finding[]): string {
  const was = new Map(before.guest.devices.map((d) => [d.key, d]));
  let placed = 0;
  let moved = 0;
  let unplaced = 0;
  for (const d of after.guest.devices) {
    if (d.implicit) continue;
    const b = was.get(d.key);
    if (!d.address) {
      if (b?.address) unplaced++;
      continue;
    }
    if (!b?.address) placed++;
    else if (!sameAddress(b.address, d.address)) moved++;
  }
  const now = new Set(after.guest.devices.map((d) => d.key));
  const removed = before.guest.devices.filter((d) => !d.implicit && !now.has(d.key)).length;
  const added = new Map<string, number>();
  const oldKeys = new Set(before.guest.controllers.map((c) => c.key));
  for (const c of after.guest.controllers) if (!oldKeys.has(c.key)) added.set(kindOf(c, after), (added.get(kindOf(c, after)) ?? 0) + 1);
  const newKeys = new Set(after.guest.controllers.map((c) => c.key));
  const gone = before.guest.controllers.filter((c) => !newKeys.has(c.key)).length;
  const parts: string[] = [];
  if (placed) parts.push(`placed ${plural(placed, 'device')}`);
  if (moved) parts.push(`moved ${plural(moved, 'device')}`);
  if (unplaced) parts.push(`cleared the address of ${plural(unplaced, 'device')}`);
  if (removed) parts.push(`removed ${plural(removed, 'device')}`);
  for (const [kind, n] of added) parts.push(`added ${plural(n, kind)}`);
  if (gone) parts.push(`removed ${plural(gone, 'controller')}`);
  return `${parts.length ? parts.join(', ') : 'nothing changed'}; ${leftText(findings)}`;
}

/** What a design holds, counted for an import summary. */
interface Holds {
  readonly pci: number;
  readonly without: number;
  readonly buses: number;
}

/** The PCI controllers counted are those the canvas draws, the root libvirt adds included ("on 0 PCI controllers" beside a drawn vPHB read wrong). */
function holds(design: Design): Holds {
  const machine = machineProfile(design.guest);
  const pci = design.guest.devices.filter((d) => !d.implicit && takesPciAddress(d, machine));
  return { pci: pci.length, without: pci.filter((d) => !d.address).length, buses: design.guest.controllers.length };
}

function holdsText({ pci, without, buses }: Holds): string {
  return `${plural(pci, 'PCI device')} on ${plural(buses, 'PCI controller')}${without ? `, ${without} without an address (Auto-place gives them one)` : ''}`;
}

/** "6 PCI devices, 2 without an address; 1 warning left": what an imported design holds. */
export function importSummary(design: Design, findings: readonly Finding[]): string {
  return `${holdsText(holds(design))}; ${leftText(findings)}`;
}

/**
 * "3 domains, 6 PCI devices on 3 PCI controllers, 6 without an address (…); 3 errors and 5 warnings
 * left": what an opened workspace (issue 15) holds in all its guests, and what is left: every
 * guest's own findings (each judged on the workspace's host) and the findings across guests, each
 * counted once.
 */
export function workspaceImportSummary(guests: readonly { readonly design: Design; readonly findings: readonly Finding[] }[], across: readonly Finding[]): string {
  const all = guests.map((g) => holds(g.design));
  const sum = (k: keyof Holds) => all.reduce((n, h) => n + h[k], 0);
  const findings = [...guests.flatMap((g) => g.findings), ...across];
  return `${plural(guests.length, 'domain')}, ${holdsText({ pci: sum('pci'), without: sum('without'), buses: sum('buses') })}; ${leftText(findings)}`;
}
