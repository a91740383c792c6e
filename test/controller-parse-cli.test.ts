import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The CLI says what the engine says of a controller libvirt refuses at parse
 * (virDomainControllerDefParseXML): validate reports it and exits 1, place writes the domain back
 * unchanged with libvirt's message on stderr.
 */
const ROOT = resolve(import.meta.dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'pcitopo-ctlparse-'));

function pcitopo(args: string[]) {
  const r = spawnSync('npm', ['run', '--silent', 'pcitopo', '--', ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const domain = (controller: string): string => `<domain type='kvm'>
  <name>g</name>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    ${controller}
    <interface type='user'><model type='virtio'/></interface>
  </devices>
</domain>
`;

describe.each([
  { controller: "<controller type='usb' index='x' model='qemu-xhci'/>", rule: 'GEN-IDX-1', says: "Invalid value for attribute 'index' in element 'controller': 'x'. Expected integer value" },
  { controller: "<controller type='usb' index='0' model='nonsense'/>", rule: 'GEN-MODEL-3', says: "Unknown model type 'nonsense'" },
])('$controller', ({ controller, rule, says }) => {
  const file = join(tmp, `${rule}.xml`);
  writeFileSync(file, domain(controller));

  it(`validate: one ${rule} error quoting libvirt, exit 1`, () => {
    const r = pcitopo(['validate', file, '--json']);
    expect(r.code).toBe(1);
    const findings = JSON.parse(r.stdout) as Array<{ ruleId: string; severity: string; message: string }>;
    expect(findings.filter((f) => f.severity === 'error').map((f) => f.ruleId)).toEqual([rule]);
    expect(findings[0]?.message).toContain(says);
  });

  it('place: the domain unchanged, and why on stderr', () => {
    const out = join(tmp, `${rule}.out.xml`);
    const r = pcitopo(['place', file, '--out', out]);
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(domain(controller));
    expect(r.stderr).toContain(`nothing was placed: libvirt refuses such a domain whatever is placed ("${says}"`);
  });
});
