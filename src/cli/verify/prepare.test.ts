import { describe, expect, it } from 'vitest';
import { DEMO_DOMAIN_XML } from '../../engine/index.ts';
import { formatVerifyReport, verifyExitCode } from './index.ts';
import type { VerifyReport } from './index.ts';
import { OUR_ALIAS, makeDefineCopy, makeRunnableCopy } from './prepare.ts';
import { parseDocumentElement } from './xml.ts';

const machines = (): ReadonlySet<string> => new Set(['pseries', 'pseries-7.2', 'q35']);

describe('verify sandbox copies', () => {
  it('the define copy keeps every device address and keys devices as the engine does', () => {
    const c = makeDefineCopy(parseDocumentElement(DEMO_DOMAIN_XML), machines);
    expect(c.arch).toBe('ppc64le');
    expect(c.devices.map((d) => d.key)).toEqual(['disk-0', 'controller-0', 'interface-0', '0000:01:00.0', '0000:01:00.1', '0030:01:00.0', 'memballoon-0']);
    expect(c.devices.find((d) => d.key === '0000:01:00.1')?.address).toEqual({ bus: 1, slot: 1, function: 1 });
    expect(c.devices.every((d) => d.alias.startsWith(OUR_ALIAS))).toBe(true);
    expect(c.controllers.get(2)).toMatchObject({ model: 'pci-root', targetIndex: 2 });
    expect(c.xml).toContain("type=\"qemu\"");
    expect(c.xml).not.toContain('numatune');
    expect(c.xml).toContain('<interface type="user">');
    expect(c.notes.join('\n')).toContain("domain type 'kvm' -> 'qemu'");
  });
  it('replaces an alias libvirt would drop (not "ua-") by ours, keeping the engine key', () => {
    const xml = DEMO_DOMAIN_XML.replace('</devices>', "<controller type='usb' model='pci-ohci'><alias name='usb'/><address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/></controller><rng model='virtio'><alias name='ua-mine'/></rng></devices>");
    const c = makeDefineCopy(parseDocumentElement(xml), machines);
    const usb = c.devices.find((d) => d.key === 'usb');
    expect(usb?.alias.startsWith(OUR_ALIAS)).toBe(true);
    expect(c.xml).not.toContain('name="usb"');
    expect(c.devices.find((d) => d.key === 'ua-mine')?.alias).toBe('ua-mine');
    expect(c.notes.join('\n')).toContain("alias 'usb' -> ");
  });
  it('maps an unknown versioned machine to its generic alias, and refuses one without', () => {
    const xml = DEMO_DOMAIN_XML.replace("machine='pseries'", "machine='pseries-rhel9.4.0'");
    expect(makeDefineCopy(parseDocumentElement(xml), machines).machine).toBe('pseries');
    const odd = DEMO_DOMAIN_XML.replace("machine='pseries'", "machine='powernv'");
    expect(() => makeDefineCopy(parseDocumentElement(odd), machines)).toThrow(/powernv/);
  });
  it('the runnable copy puts stand-ins at the hostdevs addresses and adds a QMP socket', () => {
    const defined = makeDefineCopy(parseDocumentElement(DEMO_DOMAIN_XML), machines);
    const notes: string[] = [];
    const r = makeRunnableCopy(parseDocumentElement(defined.xml), '/tmp/x', '/tmp/x/q.sock', notes);
    expect(r.xml).not.toContain('<hostdev');
    expect(r.xml.match(/<rng model="virtio">/g)).toHaveLength(3);
    expect(r.xml).toContain('<address type="pci" domain="0x0000" bus="0x01" slot="0x01" function="0x0" multifunction="on"/>');
    expect(r.xml).toContain('unix:/tmp/x/q.sock,server=on,wait=off');
    expect(r.disks).toEqual(['/tmp/x/d0.img']);
    expect(notes.filter((n) => n.includes('stand-in'))).toHaveLength(3);
  });
});

describe('verify report', () => {
  const base: VerifyReport = { ok: false, stage: 'libvirt', controllers: [], devices: [], substitutions: [], timingMs: {} };
  it('exit codes: 0 as designed, 1 refused or disagrees, 2 unreadable, 3 tools missing, 4 verify failed', () => {
    expect(verifyExitCode({ ...base, ok: true, stage: 'done' })).toBe(0);
    expect(verifyExitCode({ ...base, error: 'XML error: Attempted double use of PCI Address 0000:01:01.0' })).toBe(1);
    expect(verifyExitCode({ ...base, stage: 'done' })).toBe(1);
    expect(verifyExitCode({ ...base, problem: 'unreadable' })).toBe(2);
    expect(verifyExitCode({ ...base, problem: 'tools-missing' })).toBe(3);
    expect(verifyExitCode({ ...base, problem: 'internal' })).toBe(4);
  });
  it('the table shows designed, libvirt and QEMU side by side', () => {
    const text = formatVerifyReport({
      ...base,
      ok: true,
      stage: 'done',
      devices: [{ key: '0000:01:00.0', element: 'hostdev', designed: { bus: 1, slot: 1, function: 0 }, libvirt: { bus: 1, slot: 1, function: 0 }, qemu: { bus: 'pci.1.0', slot: 1, function: 0 }, agree: true }],
    });
    expect(text).toMatch(/^OK: /);
    expect(text).toMatch(/0000:01:00\.0\s+hostdev\s+01:01\.0\s+01:01\.0\s+pci\.1\.0 01\.0\s+ok/);
    expect(formatVerifyReport({ ...base, error: 'slot must be >= 1' })).toMatch(/^REFUSED by libvirt\n\s+slot must be >= 1/);
  });
});
