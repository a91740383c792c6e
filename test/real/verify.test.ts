/**
 * The real check: designs pcitopo calls clean are accepted by libvirt's schema, libvirt and QEMU
 * (Debian 12: libvirt 9.0, QEMU 7.2) and realised exactly as designed; broken designs are refused by
 * libvirt or QEMU AND flagged by pcitopo's rules. Run by scripts/test-real.mjs (npm run test:real).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MACHINE_TEMPLATES, RULES, exportDomain, isPhb, place, predictDefine, ruleMeta, validate } from '../../src/engine/index.ts';
import type { Design } from '../../src/engine/index.ts';
import { barePcieXml, demoHost, designOf } from '../support/designs.ts';
import { checkVerifyTools, formatVerifyReport, runVerify, verifyExitCode } from '../../src/cli/verify/index.ts';
import type { VerifyReport } from '../../src/cli/verify/index.ts';
import { BROKEN_DESIGNS, GOOD_DESIGNS, must } from './cases.ts';
import { CACHE_DIR, design, e2eExports, virtXmlValidate } from './helpers.ts';
import { cannotRun, sharedPath } from '../support/shared.ts';

const verify = (xml: string, timeoutSec = 60): Promise<VerifyReport> => runVerify(xml, { cacheDir: CACHE_DIR, timeoutSec });

/**
 * pcitopo errors on designs libvirt and QEMU accept: bugs in pcitopo's rules, listed so the stage
 * stays green while they are open; the test fails once a rule is fixed, so the entry gets removed.
 */
const KNOWN_FALSE_ERRORS: Record<string, string[]> = {};

const sandboxes = (): string[] => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('pcitopo-verify-'));

describe('verify tools', () => {
  it('are installed (scripts/setup-real.sh)', () => {
    const t = checkVerifyTools();
    expect(t.missing, t.hint).toEqual([]);
  });
});

describe('libvirt schema (virt-xml-validate) accepts exported XML', () => {
  for (const g of GOOD_DESIGNS) {
    it(g.name, () => {
      const exported = exportDomain(design(g.xml()));
      const r = virtXmlValidate(exported);
      expect(r.output).toMatch(/validates$/);
      expect(r.ok).toBe(true);
    });
  }
  it('and refuses a broken document with its own message', () => {
    const r = virtXmlValidate(GOOD_DESIGNS[0]!.xml().replace("model='pci-root'", "model='pci-rooot'"));
    expect(r.ok).toBe(false);
    expect(r.output).toContain('fails to validate');
  });
});

describe('designs pcitopo calls clean are realised by libvirt and QEMU as designed', () => {
  for (const g of GOOD_DESIGNS) {
    it(g.name, async () => {
      const d = design(g.xml());
      const errors = validate(d).filter((f) => f.severity === 'error').map((f) => f.ruleId);
      expect(errors, 'pcitopo errors on a design libvirt and QEMU accept').toEqual(KNOWN_FALSE_ERRORS[g.name] ?? []);

      const r = await verify(exportDomain(d));
      if (!r.ok) console.log(formatVerifyReport(r));
      expect(r.error).toBeUndefined();
      expect(r.stage).toBe('done');
      expect(r.ok).toBe(true);
      expect(verifyExitCode(r)).toBe(0);

      for (const c of d.guest.controllers) {
        const rc = r.controllers.find((x) => x.index === c.index);
        expect(rc, `controller ${c.index}`).toBeDefined();
        expect(rc?.model).toBe(c.model);
        if (c.target.index !== undefined) expect(rc?.targetIndex, `vPHB ${c.index} target index`).toBe(c.target.index);
        if (c.target.chassis !== undefined) expect(rc?.chassis, `port ${c.index} chassis`).toBe(c.target.chassis);
        expect(rc?.agree).toBe(true);
        if (c.address) {
          const v = r.devices.find((x) => x.key === `pci-ctrl-${c.index}`);
          expect(v?.designed).toEqual({ bus: c.address.bus, slot: c.address.slot, function: c.address.function });
          expect(v?.qemu).toMatchObject({ slot: c.address.slot, function: c.address.function });
          expect(v?.agree).toBe(true);
        }
      }
      // QEMU's bus for controller N: a vPHB's is `<id>.0`, the default PHB's and every other controller's is its id
      const qemuBus = (index: number): string | undefined => {
        const c = d.guest.controllers.find((x) => x.index === index);
        const id = r.controllers.find((x) => x.index === index)?.qemuId;
        return c && id && isPhb(c) && index > 0 ? `${id}.0` : id;
      };
      let placed = 0;
      for (const dev of d.guest.devices) {
        if (!dev.address) continue;
        placed++;
        const v = r.devices.find((x) => x.key === dev.key);
        const want = { bus: dev.address.bus, slot: dev.address.slot, function: dev.address.function };
        expect(v, `device ${dev.key}`).toBeDefined();
        expect(v?.designed, dev.key).toEqual(want);
        expect(v?.libvirt, dev.key).toEqual(want);
        expect(v?.qemu, dev.key).toMatchObject({ bus: qemuBus(dev.address.bus), slot: dev.address.slot, function: dev.address.function });
        expect(v?.agree, dev.key).toBe(true);
      }
      expect(placed).toBeGreaterThan(3);
      expect(formatVerifyReport(r)).toMatch(/^OK: /);
    });
  }
});

describe('XML exported by the e2e tests', () => {
  const files = e2eExports();
  // npm test runs the e2e stage first; without its exports this check has nothing to judge.
  if (files.length === 0) cannotRun('the check of e2e exports', 'no XML under e2e/output/exported/ (run the e2e stage first: npx playwright test)');
  for (const f of files) {
    it(f, async () => {
      const xml = fs.readFileSync(f, 'utf8');
      expect(virtXmlValidate(xml).ok).toBe(true);
      const r = await verify(xml);
      if (!r.ok) console.log(formatVerifyReport(r));
      expect(r.stage).toBe('done');
      if (r.sparesTaken) {
        // a spare libvirt takes at define time is a verdict on the design, and pcitopo must have said so beforehand
        const warned = validate(design(xml)).filter((x) => (x.ruleId === 'Q35-HP-1' || x.ruleId === 'PAPR-HP-6') && x.severity === 'warning');
        expect(warned, `verify: ${r.sparesTaken.join(', ')}; pcitopo did not warn`).not.toEqual([]);
        console.log(`real check: ${path.basename(f)}: ${r.sparesTaken.join(', ')} takes the design's last spare (pcitopo warns: ${warned.map((x) => x.ruleId).join(', ')})`);
        expect(r.devices.filter((d) => !d.agree).every((d) => d.note?.includes('spare taken by libvirt'))).toBe(true);
        expect(r.controllers.every((c) => c.agree)).toBe(true);
      } else expect(r.ok).toBe(true);
    });
  }
});

describe('broken designs: pcitopo flags them AND libvirt or QEMU really refuses them', () => {
  const seen: string[] = [];
  for (const c of BROKEN_DESIGNS) {
    it(c.name, async () => {
      const d = design(c.xml());
      const findings = validate(d, RULES, { libvirtVersion: c.libvirtVersion });
      // every broken design names rules of the catalog: one that is not there is a gap to fix, never a pass
      expect(c.rules.filter((id) => ruleMeta(id) === undefined), `"${c.name}" names rules pcitopo does not have`).toEqual([]);
      const hit = findings.filter((f) => c.rules.includes(f.ruleId));
      expect(hit.map((f) => f.severity), `pcitopo ${c.rules.join('/')} on "${c.name}"; got ${findings.map((f) => f.ruleId).join(', ')}`).toContain(c.severity);

      const r = await verify(exportDomain(d));
      seen.push(`| ${c.name} | ${c.refusedBy} | ${(r.error ?? '').split('\n').join(' / ')} |`);
      expect(r.ok).toBe(false);
      expect(r.problem).toBeUndefined();
      expect(r.stage).toBe(c.refusedBy);
      expect(r.error).toContain(c.message);
      expect(verifyExitCode(r)).toBe(1);
      expect(formatVerifyReport(r)).toContain(`REFUSED by ${c.refusedBy === 'qemu' ? 'QEMU' : 'libvirt'}`);
    });
  }
  it('records the real messages', () => {
    console.log(['| case | refused by | message |', '|---|---|---|', ...seen].join('\n'));
    expect(seen).toHaveLength(BROKEN_DESIGNS.length);
  });
});

describe('hotplug spares survive define (issue 5)', () => {
  /** root ports with nothing on them, in a design or in libvirt's/QEMU's view of it */
  const emptyPorts = (d: Design): number[] => {
    const used = new Set([...d.guest.devices, ...d.guest.controllers].flatMap((x) => (x.address ? [x.address.bus] : [])));
    return d.guest.controllers.flatMap((c) => (c.model === 'pcie-root-port' && c.index !== undefined && !used.has(c.index) ? [c.index] : []));
  };

  for (const machine of ['q35', 'virt'] as const) {
    it(`${machine}: pe-per-phb --spare-ports 2 keeps both spares empty in libvirt's defined XML and in QEMU`, async () => {
      const placed = place(designOf(barePcieXml(machine), demoHost()), { policy: 'pe-per-phb', spare: 2 });
      const exported = design(exportDomain(placed));
      const ports = exported.guest.controllers.filter((c) => c.model === 'pcie-root-port').map((c) => c.index as number);
      const spares = ports.slice(-2);
      // the design keeps a port below the spares for each device libvirt adds (q35: USB controller and memballoon; ARM virt: none)
      const empty = emptyPorts(exported);
      expect(empty).toHaveLength(machine === 'q35' ? 4 : 2);
      expect(empty.slice(-2)).toEqual(spares);
      expect(predictDefine(exported.guest, exported.host).spares.map((b) => b.index)).toEqual(spares);
      expect(validate(exported).filter((f) => f.ruleId === 'Q35-HP-1')).toEqual([]);

      const r = await verify(exportDomain(exported));
      if (!r.ok) console.log(formatVerifyReport(r));
      expect(r.ok).toBe(true);
      expect(r.sparesTaken).toBeUndefined();
      const added = r.devices.filter((d) => d.note?.startsWith('added by libvirt'));
      const onPorts = added.filter((d) => d.libvirt?.bus !== 0);
      expect(onPorts.map((d) => d.element).sort()).toEqual(machine === 'q35' ? ['controller usb qemu-xhci', 'memballoon virtio'] : []);
      for (const d of onPorts) expect(d.note).toMatch(/^added by libvirt at [0-9a-f]{2}:00\.0 — on a port the design left empty \(2 empty ports left\)$/);
      // libvirt's defined XML: nothing on the spare ports ...
      for (const d of r.devices) expect(spares, `${d.key} at ${JSON.stringify(d.libvirt)}`).not.toContain(d.libvirt?.bus);
      // ... and QEMU realised nothing behind them
      const spareBuses = spares.map((i) => r.controllers.find((c) => c.index === i)?.qemuId);
      expect(spareBuses.every((b) => b !== undefined)).toBe(true);
      for (const d of r.devices) expect(spareBuses, d.key).not.toContain(d.qemu?.bus);
    });
  }

  it("q35 with one empty port and no USB controller: verify reports the spare taken by libvirt (exit 1), and Q35-HP-1 says so beforehand", async () => {
    const xml = must(
      MACHINE_TEMPLATES.q35,
      '  </devices>',
      `    <controller type='pci' index='1' model='pcie-root-port'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0' multifunction='on'/>
    </controller>
    <controller type='pci' index='2' model='pcie-root-port'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x1'/>
    </controller>
    <interface type='user'>
      <model type='virtio'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
    </interface>
    <memballoon model='none'/>
  </devices>`,
    );
    const d = design(xml);
    expect(validate(d).filter((f) => f.ruleId === 'Q35-HP-1').map((f) => f.message)).toEqual([expect.stringContaining('usb controller qemu-xhci on port 2')]);

    const r = await verify(xml);
    expect(r.stage).toBe('done');
    expect(r.ok).toBe(false);
    expect(verifyExitCode(r)).toBe(1);
    expect(r.sparesTaken).toEqual(['controller usb qemu-xhci at 02:00.0']);
    const usb = r.devices.find((x) => x.element === 'controller usb qemu-xhci');
    expect(usb?.libvirt).toEqual({ bus: 2, slot: 0, function: 0 });
    expect(usb?.agree).toBe(false);
    expect(usb?.note).toContain('added by libvirt at 02:00.0 — on a port the design left empty: spare taken by libvirt');
    expect(r.error).toContain('spare taken by libvirt: controller usb qemu-xhci at 02:00.0');
    const text = formatVerifyReport(r);
    expect(text).toMatch(/^DISAGREES: /);
    expect(text).toContain('spare taken by libvirt');

    // with <controller type='usb' model='none'/> the port stays empty and verify agrees
    const none = await verify(xml.replace("    <memballoon model='none'/>", "    <controller type='usb' model='none'/>\n    <memballoon model='none'/>"));
    if (!none.ok) console.log(formatVerifyReport(none));
    expect(none.ok).toBe(true);
    expect(none.devices.some((x) => x.libvirt?.bus === 2)).toBe(false);
  });
});

describe('host functions stay together (issue 6)', () => {
  it("pseries: function 1 joins the user's 02:01.0 as 02:01.1, the user's address is kept as written, libvirt sets multifunction itself", async () => {
    const hostdev = (fn: number, address = ''): string =>
      `    <hostdev mode='subsystem' type='pci' managed='yes'>\n      <source>\n        <address domain='0x0001' bus='0x01' slot='0x00' function='0x${fn}'/>\n      </source>\n${address}    </hostdev>\n`;
    const xml = must(
      MACHINE_TEMPLATES.pseries,
      '  </devices>',
      `${hostdev(0, "      <address type='pci' domain='0x0000' bus='0x02' slot='0x01' function='0x0'/>\n")}${hostdev(1)}${hostdev(2)}${hostdev(3)}    <controller type='usb' model='none'/>\n    <memballoon model='none'/>\n  </devices>`,
    );
    const placed = place(designOf(xml, demoHost()), { policy: 'pe-per-phb', spare: 2 });
    const out = exportDomain(placed);
    expect(out).toContain("<address type='pci' domain='0x0000' bus='0x02' slot='0x01' function='0x0'/>");
    const want = [0, 1, 2, 3].map((fn) => ({ bus: 2, slot: 1, function: fn }));
    expect(placed.guest.devices.filter((d) => d.element === 'hostdev').map((d) => d.address && { bus: d.address.bus, slot: d.address.slot, function: d.address.function })).toEqual(want);

    const r = await verify(out);
    if (!r.ok) console.log(formatVerifyReport(r));
    expect(r.ok).toBe(true);
    expect(['0001:01:00.0', '0001:01:00.1', '0001:01:00.2', '0001:01:00.3'].map((k) => r.devices.find((d) => d.key === k)?.libvirt)).toEqual(want);
    // the spare vPHBs (1 and 3: bus 2 is the one the user named) hold nothing
    const used = new Set(r.devices.flatMap((d) => (d.libvirt ? [d.libvirt.bus] : [])));
    expect(r.controllers.filter((c) => c.model === 'pci-root' && c.index > 0 && !used.has(c.index)).map((c) => c.index)).toEqual([1, 3]);
  });
});

describe('verify itself', () => {
  it('reports unreadable input as such (exit 2), without starting anything', async () => {
    const r = await verify('<domain><devices>');
    expect(r.problem).toBe('unreadable');
    expect(verifyExitCode(r)).toBe(2);
    const n = await verify('<network/>');
    expect(n.problem).toBe('unreadable');
    expect(n.error).toContain('<network>');
  });
  // libvirt checks the root by its local name (virXMLParseHelper, virXMLNodeNameEqual): libvirt
  // 9.0's virsh define takes <x:domain xmlns:x='…'>, its schema does not ("Expecting no namespace
  // for element domain"). verify said only the schema's words before, never running libvirt.
  it("runs libvirt on a root with a declared prefix, as virsh define takes it, and says the schema alone refuses it", async () => {
    const xml = barePcieXml('q35').replace(/<domain\b/, "<x:domain xmlns:x='urn:example:x'").replace(/<\/domain>(\s*)$/, '</x:domain>$1');
    expect(xml).toContain('</x:domain>');
    const r = await verify(xml);
    if (!r.error?.includes("libvirt's parser did not")) console.log(formatVerifyReport(r));
    expect(r.problem).toBeUndefined();
    expect(r.error).toContain("libvirt's parser did not");
    expect(r.error).toContain('Expecting no namespace for element domain');
  });
  it('leaves no sandbox dir and no process behind, also after a timeout', async () => {
    // a temporary directory of this test's own: other runs of verify on the machine (another
    // checkout's tests) have their own sandboxes and processes, which must not count here
    const own = fs.mkdtempSync(path.join(os.tmpdir(), 'pcitopo-verify-test-'));
    // verify hands its sandbox to an unprivileged user (sandbox.ts): the parent must let it through, as /tmp does
    fs.chmodSync(own, 0o755);
    const saved = process.env['TMPDIR'];
    process.env['TMPDIR'] = own;
    try {
      expect(os.tmpdir()).toBe(own);
      const r = await runVerify(GOOD_DESIGNS[2]!.xml(), { cacheDir: false, timeoutSec: 0.2 });
      expect(r.ok).toBe(false);
      expect(r.problem).toBe('internal');
      expect(r.error).toMatch(/timeout/);
      expect(sandboxes()).toEqual([]);
      const ours = fs
        .readdirSync('/proc')
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
          try {
            return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(own);
          } catch {
            return false;
          }
        });
      expect(ours).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env['TMPDIR'];
      else process.env['TMPDIR'] = saved;
      fs.rmSync(own, { recursive: true, force: true });
    }
  });
});

describe('libvirt corpus inputs verify as designed', () => {
  // a usb controller with a non-user alias ('usb') and an explicit address: matched once, by our user alias
  const FILES = ['qemuhotplugtestdomains__qemuhotplug-pseries-base-live.xml'];
  const CORPUS = sharedPath('the libvirt corpus verify', 'corpus', 'libvirt');
  if (CORPUS) {
    for (const f of FILES) {
      it(f, async () => {
        const r = await verify(fs.readFileSync(path.join(CORPUS, f), 'utf8'));
        if (!r.ok) console.log(formatVerifyReport(r));
        expect(r.ok).toBe(true);
        expect(r.devices.filter((d) => d.key === 'usb')).toHaveLength(1);
        expect(r.devices.every((d) => d.agree)).toBe(true);
      });
    }
  }
});
