/** `verify`'s report for people (a table per device: designed, libvirt, QEMU) and its exit code. */
import { formatBsf } from './compare.ts';
import type { VerifyReport } from './types.ts';

/** 0 accepted as designed, 1 refused or disagrees, 2 unreadable input, 3 tools missing, 4 verify itself failed */
export function verifyExitCode(r: VerifyReport): 0 | 1 | 2 | 3 | 4 {
  if (r.ok) return 0;
  if (r.problem === 'unreadable') return 2;
  if (r.problem === 'tools-missing') return 3;
  if (r.problem === 'internal') return 4;
  return 1;
}

export interface Paint {
  red(s: string): string;
  green(s: string): string;
}
const plain: Paint = { red: (s) => s, green: (s) => s };

export function formatVerifyReport(r: VerifyReport, paint: Paint = plain): string {
  const lines: string[] = [];
  const head = r.ok
    ? paint.green('OK: libvirt and QEMU accept the design and realise it as designed')
    : r.problem === 'tools-missing'
      ? 'CANNOT CHECK: tools missing'
      : r.problem === 'unreadable'
        ? 'UNREADABLE input'
        : r.problem === 'internal'
          ? 'VERIFY FAILED (not a verdict on the design)'
          : paint.red(
              r.stage === 'done'
                ? 'DISAGREES: libvirt/QEMU did not realise the design as designed'
                : `REFUSED by ${r.stage === 'schema' ? "libvirt's schema" : r.stage === 'libvirt' ? 'libvirt' : 'QEMU (at start)'}`,
            );
  lines.push(head);
  const machine = r.machine && (r.machineWritten ? `machine ${r.machine} (the design says ${r.machineWritten}, which this QEMU does not offer)` : `machine ${r.machine}`);
  const versions = [r.libvirtVersion && `libvirt ${r.libvirtVersion}`, r.qemuVersion && `QEMU ${r.qemuVersion}`, r.arch && `arch ${r.arch}`, machine].filter(Boolean);
  if (versions.length) lines.push(versions.join(', '));
  if (r.error) lines.push(...r.error.split('\n').map((l) => `  ${l}`));
  if (r.missingTools?.length) lines.push(...r.missingTools.map((m) => `  missing: ${m}`));
  if (r.hostAssumed?.length) lines.push('', 'Host not given (verify takes the design alone):', ...r.hostAssumed.map((s) => `  - ${s}`));
  const table = (rows: string[][]): void => {
    const w = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
    for (const row of rows) lines.push(row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(w[i] ?? 0))).join('  ').trimEnd());
  };
  const check = (agree: boolean): string => (agree ? 'ok' : 'DIFFERS');
  if (r.controllers.length) {
    lines.push('', 'PCI controllers');
    table([
      ['index', 'model', 'target', 'chassis', 'QEMU id', 'check', 'note'],
      ...r.controllers.map((c) => [String(c.index), c.model, c.targetIndex?.toString() ?? '-', c.chassis?.toString() ?? '-', c.qemuId ?? '-', check(c.agree), c.note ?? '']),
    ]);
  }
  if (r.devices.length) {
    lines.push('', 'Devices (bus:slot.function; bus = controller index, QEMU: bus name)');
    table([
      ['device', 'designed', 'libvirt', 'QEMU', 'check', 'note'],
      ...r.devices.map((d) => [
        d.label,
        formatBsf(d.designed),
        formatBsf(d.libvirt),
        d.qemu ? `${d.qemu.bus} ${d.qemu.slot.toString(16).padStart(2, '0')}.${d.qemu.function}` : '-',
        check(d.agree),
        d.note ?? '',
      ]),
    ]);
  }
  if (r.substitutions.length) lines.push('', 'What verify changed to run the design here (no PCI device moved):', ...r.substitutions.map((s) => `  - ${s}`));
  const timing = Object.entries(r.timingMs).map(([k, v]) => `${k} ${v} ms`);
  if (timing.length) lines.push('', `Timing: ${timing.join(', ')}`);
  return `${lines.join('\n')}\n`;
}
