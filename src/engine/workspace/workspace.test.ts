import { describe, expect, it } from 'vitest';
import { applyCommand } from '../commands/commands.ts';
import { DEMO_HOST_XML } from '../demo/demo.ts';
import type { Host } from '../model/host.ts';
import { hostUsage } from '../model/workspace.ts';
import type { AnySharePayload } from '../share/link.ts';
import { decodeAnyShareLink, encodeShareLink } from '../share/link.ts';
import { exportDomain, exportDomainBytes } from '../xml/domain.ts';
import { importHost } from '../xml/nodedev.ts';
import { openShareLink, workspaceLink } from './link.ts';
import { validateAcrossGuests, validateWorkspace } from './validate.ts';
import { addGuest, changedDomains, createWorkspace, guestNamed, withGuestDesign, withHost, withoutGuest } from './workspace.ts';

/** A pseries guest with the given host functions passed through (libvirt places them). */
function domain(name: string | undefined, hostdevs: readonly string[]): string {
  const src = (a: string) => {
    const [d, b, sf] = a.split(':') as [string, string, string];
    const [s, f] = sf.split('.') as [string, string];
    return `<address domain='0x${d}' bus='0x${b}' slot='0x${s}' function='0x${f}'/>`;
  };
  return `<domain type='kvm'>
${name === undefined ? '' : `  <name>${name}</name>\n`}  <memory unit='GiB'>4</memory>
  <os>
    <type arch='ppc64le' machine='pseries'>hvm</type>
  </os>
  <devices>
${hostdevs.map((a) => `    <hostdev mode='subsystem' type='pci' managed='yes'>\n      <source>\n        ${src(a)}\n      </source>\n    </hostdev>\n`).join('')}  </devices>
</domain>
`;
}

const host = (): Host => {
  const r = importHost(DEMO_HOST_XML, 'host.xml');
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

function ws3() {
  const r = createWorkspace(
    [
      { text: domain('alpha', ['0000:01:00.0', '0000:01:00.1']), file: 'alpha.xml' },
      { text: domain('beta', ['0001:01:00.0', '0001:01:00.1']), file: 'beta.xml' },
      { text: domain('gamma', ['0001:01:00.2', '0000:01:00.0']), file: 'gamma.xml' },
    ],
    host(),
  );
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('workspace model', () => {
  it('opens several domains on one host, named by <name>, in the order given', () => {
    const ws = ws3();
    expect(ws.guests.map((g) => [g.name, g.file])).toEqual([
      ['alpha', 'alpha.xml'],
      ['beta', 'beta.xml'],
      ['gamma', 'gamma.xml'],
    ]);
    for (const g of ws.guests) expect(g.design.host).toBe(ws.host);
  });

  it('a domain without <name> takes its file name, then its position', () => {
    const r = createWorkspace([{ text: domain(undefined, []), file: '/tmp/dir/web-1.xml' }, { text: domain(undefined, []) }]);
    expect(r.ok && r.value.guests.map((g) => g.name)).toEqual(['web-1', 'domain 2']);
  });

  it('two domains of one name are refused, naming both files', () => {
    const r = createWorkspace([
      { text: domain('alpha', []), file: 'a.xml' },
      { text: domain('alpha', []), file: 'b.xml' },
    ]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect([r.error.code, r.error.file, r.error.message]).toEqual(['duplicate-domain', 'b.xml', expect.stringMatching(/domain 'alpha' is already open \(from a\.xml\)/)]);
  });

  it('a domain that cannot be read is refused with its file, line and column', () => {
    const r = createWorkspace([{ text: domain('alpha', []), file: 'a.xml' }, { text: '<domain>\n  <name>x</nam>\n</domain>', file: 'broken.xml' }]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect([r.error.file, r.error.line]).toEqual(['broken.xml', 2]);
  });

  it('usage: who uses each host device and group; a group split shows every guest with its functions', () => {
    const u = hostUsage(ws3());
    expect(u.devices.get('0000:01:00.0')?.map((x) => x.guest)).toEqual(['alpha', 'gamma']);
    expect(u.devices.get('0001:01:00.3')).toBeUndefined();
    expect([...(u.groups.get(2) ?? new Map())]).toEqual([
      ['beta', ['0001:01:00.0', '0001:01:00.1']],
      ['gamma', ['0001:01:00.2']],
    ]);
    expect([...(u.groups.get(1)?.keys() ?? [])]).toEqual(['alpha', 'gamma']);
    expect(u.groups.has(3)).toBe(false);
  });

  it('editing one guest keeps the others as they were (same objects), and export gives back only the changed domain', () => {
    const ws = ws3();
    expect(changedDomains(ws)).toEqual([]);
    const beta = guestNamed(ws, 'beta');
    if (!beta) throw new Error('no beta');
    const moved = applyCommand(beta.design, { kind: 'remove-device', device: '0001:01:00.1' });
    const next = withGuestDesign(ws, 'beta', moved);
    expect(next.guests[0]).toBe(ws.guests[0]);
    expect(next.guests[2]).toBe(ws.guests[2]);
    const changed = changedDomains(next);
    expect(changed.map((c) => [c.name, c.file])).toEqual([['beta', 'beta.xml']]);
    expect(changed[0]?.xml).not.toContain("bus='0x01' slot='0x00' function='0x1'");
    expect(withGuestDesign(ws, 'nobody', moved)).toBe(ws);
  });

  it('adding, removing guests and changing the host', () => {
    const ws = ws3();
    const bare = withoutGuest(ws, 'gamma');
    expect(bare.guests.map((g) => g.name)).toEqual(['alpha', 'beta']);
    const d = createWorkspace([{ text: domain('gamma', []) }]);
    if (!d.ok) throw new Error(d.error.message);
    const again = addGuest(bare, (d.value.guests[0] as { design: Parameters<typeof addGuest>[1] }).design, 'gamma.xml');
    expect(again.ok && again.value.guests.map((g) => [g.name, g.design.host === bare.host])).toEqual([
      ['alpha', true],
      ['beta', true],
      ['gamma', true],
    ]);
    const dup = addGuest(bare, (ws.guests[0] as { design: Parameters<typeof addGuest>[1] }).design);
    expect(dup.ok ? 'added' : dup.error.code).toBe('duplicate-domain');
    const hostless = withHost(ws, undefined);
    expect(hostless.guests.every((g) => g.design.host === undefined)).toBe(true);
  });
});

describe('validateWorkspace', () => {
  it("names each finding's domain: a guest's own findings, and both guests for a finding across guests", () => {
    const findings = validateWorkspace(ws3());
    const across = findings.filter((f) => f.ruleId.startsWith('HD-SHARE'));
    expect(across.map((f) => [f.ruleId, f.severity, f.domains])).toEqual([
      ['HD-SHARE-1', 'warning', ['alpha', 'gamma']],
      // group 1: alpha has both functions, gamma one of them (also HD-SHARE-1's device)
      ['HD-SHARE-2', 'warning', ['alpha', 'gamma']],
      // group 2: beta has two functions, gamma a third
      ['HD-SHARE-2', 'warning', ['beta', 'gamma']],
    ]);
    expect(across.map((f) => f.subjects.groups)).toEqual([[1], [1], [2]]);
    expect(across[0]?.message).toMatch(/alpha and gamma: they cannot run at the same time/);
    const own = findings.filter((f) => !f.ruleId.startsWith('HD-SHARE') && f.ruleId !== 'HD-NUMA-1');
    expect(own.length).toBeGreaterThan(0);
    for (const f of own) expect(f.domains).toHaveLength(1);
  });

  it("a guest's own findings are exactly what validate gives its design", async () => {
    const { validate } = await import('../rules/validate.ts');
    const ws = ws3();
    const gamma = ws.guests[2];
    if (!gamma) throw new Error('no gamma');
    const mine = validateWorkspace(ws).filter((f) => f.domains.length === 1 && f.domains[0] === 'gamma' && !['HD-NUMA-1'].includes(f.ruleId));
    expect(mine.map(({ domains: _d, ...f }) => f)).toEqual(validate(gamma.design));
  });

  it('per host NUMA node, what each guest takes (info)', () => {
    const numa = validateAcrossGuests(ws3()).filter((f) => f.ruleId === 'HD-NUMA-1');
    expect(numa.map((f) => [f.severity, f.domains])).toEqual([['info', ['alpha', 'beta', 'gamma']]]);
    expect(numa[0]?.message).toMatch(/^Host NUMA node 0: alpha takes 2 \(0000:01:00.0, 0000:01:00.1\); beta takes 2/);
  });
});

describe('workspace share links', () => {
  it('a workspace travels as version 2 and comes back with the same guests, host and exported bytes', async () => {
    const ws = ws3();
    const beta = guestNamed(ws, 'beta');
    if (!beta) throw new Error('no beta');
    const edited = withGuestDesign(ws, 'beta', applyCommand(beta.design, { kind: 'remove-device', device: '0001:01:00.1' }));
    const link = await workspaceLink(edited, DEMO_HOST_XML, 'http://localhost:8080/', { guest: 'beta' });
    const payload = await decodeAnyShareLink(link);
    expect(payload.ok && payload.value.v).toBe(2);
    const back = await openShareLink(link);
    if (!back.ok) throw new Error(back.error.message);
    expect(back.value.version).toBe(2);
    expect(back.value.view).toEqual({ guest: 'beta' });
    expect(back.value.hostText).toBe(DEMO_HOST_XML);
    expect(back.value.workspace.guests.map((g) => g.name)).toEqual(['alpha', 'beta', 'gamma']);
    expect(back.value.workspace.guests.map((g) => exportDomain(g.design))).toEqual(edited.guests.map((g) => exportDomain(g.design)));
  });

  it('a version 1 link opens as a workspace of one guest', async () => {
    const link = await encodeShareLink({ v: 1, domain: domain('solo', ['0030:01:00.0']), host: DEMO_HOST_XML }, 'http://x/');
    const back = await openShareLink(link);
    if (!back.ok) throw new Error(back.error.message);
    expect([back.value.version, back.value.workspace.guests.map((g) => g.name), back.value.workspace.host?.devices.size]).toEqual([1, ['solo'], 10]);
  });

  it('a workspace of one domain is written as version 1, which older pcitopos open', async () => {
    const r = createWorkspace([{ text: domain('solo', []) }]);
    if (!r.ok) throw new Error(r.error.message);
    const p = await decodeAnyShareLink(await workspaceLink(r.value, undefined, 'http://x/'));
    expect(p.ok && p.value.v).toBe(1);
  });

  it("each guest's file encoding its text does not say (UTF-16) travels, and the guest exports the same bytes from the link", async () => {
    const texts = [domain('alpha', ['0030:01:00.0']), `\uFEFF${domain('beta', [])}`];
    const r = createWorkspace([{ text: texts[0] as string }, { text: texts[1] as string, encoding: 'UTF-16BE' }]);
    if (!r.ok) throw new Error(r.error.message);
    for (const ws of [r.value, withoutGuest(r.value, 'alpha')]) {
      const back = await openShareLink(await workspaceLink(ws, undefined, 'http://x/'));
      if (!back.ok) throw new Error(back.error.message);
      const beta = guestNamed(back.value.workspace, 'beta');
      if (!beta) throw new Error('no beta');
      const bytes = exportDomainBytes(beta.design);
      expect(bytes.ok && [...bytes.value]).toEqual([...Buffer.from(Buffer.from(texts[1] as string, 'utf16le')).swap16()]);
      expect(guestNamed(back.value.workspace, 'alpha')?.design.source.encoding).toBeUndefined();
    }
  });

  it("the host file's encoding its text does not say (UTF-16) travels in links of both versions, and only with a host", async () => {
    for (const ws of [ws3(), withoutGuest(withoutGuest(ws3(), 'alpha'), 'beta')]) {
      const back = await openShareLink(await workspaceLink(ws, `\uFEFF${DEMO_HOST_XML}`, 'http://x/', undefined, undefined, 'UTF-16LE'));
      expect(back.ok && [back.value.version, back.value.hostEncoding, back.value.hostText]).toEqual([ws.guests.length > 1 ? 2 : 1, 'UTF-16LE', `\uFEFF${DEMO_HOST_XML}`]);
      const plain = await openShareLink(await workspaceLink(ws, DEMO_HOST_XML, 'http://x/'));
      expect(plain.ok && 'hostEncoding' in plain.value).toBe(false);
    }
    const hostless = await decodeAnyShareLink(await workspaceLink(ws3(), undefined, 'http://x/', undefined, undefined, 'UTF-16LE'));
    expect(hostless.ok && 'hostEncoding' in hostless.value).toBe(false);
  });

  it('the libvirt release travels once for the whole workspace, and only when set (issue 12)', async () => {
    const set = await openShareLink(await workspaceLink(ws3(), DEMO_HOST_XML, 'http://x/', undefined, '9.0'));
    expect(set.ok && [set.value.version, set.value.libvirtVersion]).toEqual([2, '9.0']);
    const unset = await openShareLink(await workspaceLink(ws3(), DEMO_HOST_XML, 'http://x/'));
    expect(unset.ok && 'libvirtVersion' in unset.value).toBe(false);
  });

  it('a link keeping an encoding its text cannot be in (outside the checksum) is refused with the byte-order-mark rule; one its text can be opens', async () => {
    const latin1 = `<?xml version='1.0' encoding='ISO-8859-1'?>\n${domain('a', [])}`;
    const crafted: Array<[AnySharePayload, string]> = [
      [{ v: 1, domain: latin1, encoding: 'UTF-16LE' }, 'share link (domain)'],
      [{ v: 2, domains: [domain('b', []), latin1], encodings: [null, 'UTF-16BE'] }, 'share link (domain 2)'],
      [{ v: 1, domain: domain('a', []), host: `<?xml version='1.0' encoding='ISO-8859-1'?>\n${DEMO_HOST_XML}`, hostEncoding: 'UTF-16LE' }, 'share link (host)'],
    ];
    for (const [p, file] of crafted) {
      const r = await openShareLink(await encodeShareLink(p, 'http://x/'));
      expect(r.ok ? 'opened' : [r.error.code, r.error.file]).toEqual(['bad-share-link', file]);
      expect(r.ok ? '' : r.error.message).toMatch(/keeps this document as UTF-16(LE|BE), which its text cannot be: .*its XML declaration says encoding='ISO-8859-1'/);
    }
    // UTF-16 text declaring UTF-16, or none: a file could hold it (decodeXml reads it back the same)
    for (const text of [`\uFEFF<?xml version='1.0' encoding='UTF-16'?>\n${domain('a', [])}`, `\uFEFF${domain('a', [])}`]) {
      expect((await openShareLink(await encodeShareLink({ v: 1, domain: text, encoding: 'UTF-16LE' }, 'http://x/'))).ok).toBe(true);
    }
    // no byte order mark nor '<?': UTF-16 bytes no import could have read as such
    const r = await openShareLink(await encodeShareLink({ v: 1, domain: domain('a', []), encoding: 'UTF-16LE' }, 'http://x/'));
    expect(r.ok ? 'opened' : r.error.code).toBe('bad-share-link');
  });

  it("a link whose documents cannot be read names which one", async () => {
    const link = await encodeShareLink({ v: 2, domains: [domain('a', []), '<domain><name>b</domain>'] }, 'http://x/');
    const r = await openShareLink(link);
    expect(r.ok ? 'opened' : r.error.file).toBe('share link (domain 2)');
    const badHost = await openShareLink(await encodeShareLink({ v: 2, domains: [domain('a', [])], host: '<device><name>x</device>' }, 'http://x/'));
    expect(badHost.ok ? 'opened' : badHost.error.file).toBe('share link (host)');
  });
});
