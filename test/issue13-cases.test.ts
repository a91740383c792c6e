import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import type { Design, Finding, Host } from '../src/engine/index.ts';
import { applyCommand, createDesign, importHost, place, validate } from '../src/engine/index.ts';
import { sharedPath } from './support/shared.ts';

/**
 * Issue 13: the smallest failing inputs of ../shared/cases/ give the verdict, severity and fix that
 * libvirt and QEMU call for (README there). Each fix is applied: it must clear its finding and add
 * no error. The kinds are tested rule by rule in src/engine/rules/*.ts; this file holds the real
 * inputs.
 */
const CASES = sharedPath('the issue 13 cases', 'cases') ?? '';

function load(name: string): Design {
  const file = path.join(CASES, `${name}.xml`);
  const hostFile = path.join(CASES, `${name}.host.xml`);
  let host: Host | undefined;
  if (fs.existsSync(hostFile)) {
    const h = importHost(fs.readFileSync(hostFile, 'utf8'), hostFile);
    if (!h.ok) throw new Error(h.error.message);
    host = h.value;
  }
  const d = createDesign(fs.readFileSync(file, 'utf8'), host, file);
  if (!d.ok) throw new Error(`${d.error.message} (line ${d.error.line})`);
  return d.value;
}

const errors = (d: Design): Finding[] => validate(d).filter((f) => f.severity === 'error');
const key = (f: Finding): string => `${f.ruleId}|${f.message}`;

function only(d: Design, ruleId: string): Finding {
  const f = errors(d).find((x) => x.ruleId === ruleId);
  if (!f) throw new Error(`no ${ruleId} error; errors: ${errors(d).map((x) => x.ruleId).join(', ')}`);
  return f;
}

/** Applies the fix: the finding goes, no error comes that was not there. Returns the fixed design. */
function applyFix(d: Design, f: Finding, index = 0): Design {
  const fix = f.fixes?.[index];
  if (!fix) throw new Error(`${f.ruleId} has no fix: ${f.message}`);
  const next = applyCommand(d, fix.command);
  const before = new Set(errors(d).map(key));
  expect(validate(next).some((x) => x.ruleId === f.ruleId && JSON.stringify(x.subjects) === JSON.stringify(f.subjects)), `${f.ruleId} after "${fix.label}"`).toBe(false);
  expect(errors(next).filter((x) => !before.has(key(x))).map(key), `errors added by "${fix.label}"`).toEqual([]);
  return next;
}

const device = (d: Design, k: string) => d.guest.devices.find((x) => x.key === k);
const controller = (d: Design, index: number) => d.guest.controllers.find((c) => c.index === index);
/** Users never see internal keys such as `controller-5` or `disk-0` (DESIGN.md §3). */
const INTERNAL_KEY = /\b(?:controller|disk|interface|memballoon|video|hostdev)-\d+\b/;

if (CASES) {
  describe('VFIO viability by what the host says', () => {
    it('r10-q35-gpu-without-its-audio: the audio function left to snd_hda_intel makes QEMU refuse the group: an error, fixed by passing it too', () => {
      const d = load('r10-q35-gpu-without-its-audio');
      const f = only(d, 'HD-VFIO-1');
      expect(f.message).toMatch(/0000:01:00\.1 \(bound to snd_hda_intel\)/);
      expect(f.message).toMatch(/not viable/);
      expect(f.subjects.groups).toEqual([1]);
      const fixed = applyFix(d, f);
      expect(device(fixed, '0000:01:00.0')?.address).toMatchObject({ bus: 5, slot: 0, function: 0, multifunction: 'on' });
      expect(device(fixed, '0000:01:00.1')?.address).toMatchObject({ bus: 5, slot: 0, function: 1 });
      expect(device(fixed, '0000:00:01.0'), 'the root-port bridge of the group is not passed through').toBeUndefined();
      expect(errors(fixed)).toEqual([]);
    });

    it('d16-q35-same-hostdev-twice: libvirt refuses the same host device twice; the fix keeps one', () => {
      const d = load('d16-q35-same-hostdev-twice');
      const f = only(d, 'HD-SRC-2');
      expect(f.message).toContain('0000:05:00.0');
      expect(f.message).toMatch(/ua-hd0.*ua-hd1/);
      const fixed = applyFix(d, f);
      expect(fixed.guest.devices.filter((x) => x.element === 'hostdev')).toHaveLength(1);
      expect(errors(fixed)).toEqual([]);
    });

    it('p02-place-same-host-function-twice: the duplicate hostdev interface and the empty <hostdev> are errors', () => {
      const d = load('p02-place-same-host-function-twice');
      expect(only(d, 'HD-SRC-2').subjects.devices).toHaveLength(2);
      const empty = only(d, 'HD-SRC-1');
      expect(empty.message).toMatch(/missing type in hostdev/);
      const fixed = applyFix(applyFix(d, only(d, 'HD-SRC-2')), empty);
      expect(errors(fixed)).toEqual([]);
    });
  });

  describe('a fix for every error that has an obvious one', () => {
    it('r02-q35-hostdev-on-root-port-slot1: slot 0 of the free port it names', () => {
      const d = load('r02-q35-hostdev-on-root-port-slot1');
      const f = only(d, 'Q35-RP-4');
      const fixed = applyFix(d, f);
      expect(device(fixed, '0000:3b:00.0')?.address).toMatchObject({ bus: 1, slot: 0, function: 0 });
    });

    it('r02-q35-hostdev-on-root-port-slot1 after place: never function 1 behind the NIC placed on that port; slot 0 of a free port', () => {
      const d = place(load('r02-q35-hostdev-on-root-port-slot1'), { policy: 'libvirt' });
      const f = only(d, 'Q35-RP-4');
      const fixed = applyFix(d, f);
      const a = device(fixed, '0000:3b:00.0')?.address;
      expect(a).toMatchObject({ slot: 0, function: 0 });
      const sharing = fixed.guest.devices.filter((x) => x.key !== '0000:3b:00.0' && x.address?.bus === a?.bus);
      expect(sharing.map((x) => x.label)).toEqual([]);
      expect(controller(fixed, a?.bus as number)?.model).toBe('pcie-root-port');
      expect(errors(fixed)).toEqual([]);
    });

    it('r03-virt-controller-index-not-above-bus: drop the root port\'s address so libvirt puts it on pcie-root', () => {
      const d = load('r03-virt-controller-index-not-above-bus');
      for (const id of ['GEN-IDX-4', 'GEN-CONNECT-3']) {
        const f = only(d, id);
        expect(f.fixes?.[0]?.label).toMatch(/Drop the address of pcie-root-port controller index 1/);
        const fixed = applyFix(d, f);
        expect(controller(fixed, 1)?.address).toBeUndefined();
        expect(errors(fixed)).toEqual([]);
      }
    });

    it('r04-i440fx-left-with-pcie-root: pci-root back as the root, the PCIe-only controllers removed, no internal names', () => {
      const d = load('r04-i440fx-left-with-pcie-root');
      const f = only(d, 'GEN-IDX-2');
      const fixed = applyFix(d, f);
      expect(fixed.guest.controllers.map((c) => c.model)).not.toContain('pcie-root-port');
      expect(fixed.guest.controllers.map((c) => c.model)).not.toContain('pcie-root');
      expect(errors(fixed).map((x) => x.ruleId)).not.toContain('GEN-IDX-2');
      for (const x of validate(d)) {
        expect(x.message).not.toMatch(INTERNAL_KEY);
        for (const fix of x.fixes ?? []) expect(fix.label).not.toMatch(INTERNAL_KEY);
      }
    });

    it('r07-q35-hostdev-nic-double-use: the NIC moves to an empty root port elsewhere', () => {
      const d = load('r07-q35-hostdev-nic-double-use');
      const f = only(d, 'GEN-ADDR-4');
      const fixed = applyFix(d, f);
      const moved = fixed.guest.devices.find((x) => x.address && d.guest.devices.find((y) => y.key === x.key)?.address?.bus !== x.address.bus);
      expect(moved?.address?.slot).toBe(0);
      expect(controller(fixed, moved?.address?.bus as number)?.model).toBe('pcie-root-port');
      expect(fixed.guest.devices.filter((x) => x.address?.bus === moved?.address?.bus)).toHaveLength(1);
      expect(errors(fixed)).toEqual([]);
    });

    it('r08-i440fx-balloon-clash-with-video: never 00:02.0, which libvirt keeps for the primary video', () => {
      const d = load('r08-i440fx-balloon-clash-with-video');
      const f = only(d, 'GEN-ADDR-4');
      const fixed = applyFix(d, f);
      const balloon = fixed.guest.devices.find((x) => x.element === 'memballoon');
      expect(balloon?.address?.bus).toBe(0);
      expect([0, 1, 2]).not.toContain(balloon?.address?.slot);
      expect(errors(fixed)).toEqual([]);
    });

    it('r12-s390x-root-ports: remove the controllers the machine cannot connect', () => {
      const d = load('r12-s390x-root-ports');
      const found = errors(d).filter((x) => x.ruleId === 'GEN-CONNECT-1');
      expect(found).toHaveLength(2);
      const fixed = applyFix(d, found[0] as Finding);
      expect(fixed.guest.controllers.filter((c) => c.model === 'pcie-root-port')).toEqual([]);
      expect(errors(fixed)).toEqual([]);
    });
  });

  describe('what libvirt decides at define, judged on the input', () => {
    it('d09-q35-pcie-to-pci-bridge-no-free-port: libvirt cannot add a bus for the bridge: an error, fixed by a root port numbered before it', () => {
      const d = load('d09-q35-pcie-to-pci-bridge-no-free-port');
      const f = only(d, 'GEN-CONNECT-1');
      expect(f.severity).toBe('error');
      expect(f.message).toMatch(/pcie-to-pci-bridge controller index 2/);
      expect(f.message).toMatch(/Cannot automatically add a new PCI bus/);
      const fixed = applyFix(d, f);
      const bridge = fixed.guest.controllers.find((c) => c.model === 'pcie-to-pci-bridge');
      expect(fixed.guest.controllers.filter((c) => c.model === 'pcie-root-port' && (c.index as number) < (bridge?.index as number))).toHaveLength(2);
      expect(errors(fixed)).toEqual([]);
      expect(errors(place(fixed, { policy: 'libvirt' }))).toEqual([]);
    });

    it('d10-q35-chassis-clash-with-auto-added-port: the root port libvirt adds takes chassis = its index, the user\'s chassis: an error, fixed by a free chassis', () => {
      const d = load('d10-q35-chassis-clash-with-auto-added-port');
      const f = only(d, 'Q35-RP-3');
      expect(f.message).toMatch(/Port 1 and the pcie-root-port index 2 libvirt adds at define .* both use chassis 2/);
      expect(f.subjects.controllers).toEqual([1, 2]);
      const fixed = applyFix(d, f);
      expect(controller(fixed, 1)?.target.chassis).not.toBe(2);
      expect(errors(fixed)).toEqual([]);
      expect(errors(place(fixed, { policy: 'libvirt' }))).toEqual([]);
    });

    it('d11-q35-upstream-port-before-its-root-port: libvirt puts the upstream port on the root port created after it: an error, fixed by renumbering', () => {
      const d = load('d11-q35-upstream-port-before-its-root-port');
      const f = only(d, 'GEN-IDX-4');
      expect(f.message).toMatch(/pcie-switch-upstream-port controller index 1 on bus 0x02/);
      expect(f.message).toMatch(/Bus 'pci\.2' not found/);
      const fixed = applyFix(d, f);
      const up = fixed.guest.controllers.find((c) => c.model === 'pcie-switch-upstream-port');
      expect(up?.index).toBeGreaterThan(2);
      expect(errors(fixed)).toEqual([]);
      expect(errors(place(fixed, { policy: 'libvirt' }))).toEqual([]);
    });

    it('d12-pseries-phb-target-index-without-model-name: libvirt gives PHB 1 the target index PHB 2 has: an error, fixed by a free target index', () => {
      const d = load('d12-pseries-phb-target-index-without-model-name');
      const f = only(d, 'PAPR-PHB-5');
      expect(f.subjects.controllers).toEqual([1, 2]);
      expect(f.message).toMatch(/PHB 1 already attached/);
      const fixed = applyFix(d, f);
      expect(errors(fixed)).toEqual([]);
      expect(errors(place(fixed, { policy: 'libvirt' }))).toEqual([]);
    });

    it("d15-q35-usb-none-plus-usb-controller: another USB controller once USB is disabled: an error, fixed either way", () => {
      const d = load('d15-q35-usb-none-plus-usb-controller');
      const f = only(d, 'GEN-USB-1');
      expect(f.message).toMatch(/USB is disabled for this domain/);
      expect(f.fixes).toHaveLength(2);
      const usbOn = applyFix(d, f, 0);
      expect(usbOn.guest.devices.filter((x) => x.element === 'controller' && x.type === 'usb').map((x) => x.model)).toEqual(['qemu-xhci']);
      const usbOff = applyFix(d, f, 1);
      expect(usbOff.guest.devices.filter((x) => x.element === 'controller' && x.type === 'usb').map((x) => x.model)).toEqual(['none']);
    });

    it('d18-q35-sata-controller-not-at-1f2: the SATA controller with index 0 is primary whatever its alias: an error, fixed by 00:1f.2', () => {
      const d = load('d18-q35-sata-controller-not-at-1f2');
      const f = only(d, 'Q35-RSV-1');
      expect(f.message).toMatch(/primary SATA controller .*ua-sata0/);
      const fixed = applyFix(d, f);
      expect(fixed.guest.devices.find((x) => x.type === 'sata')?.address).toMatchObject({ bus: 0, slot: 0x1f, function: 2 });
      expect(errors(fixed)).toEqual([]);
    });

    it("r13-machine-pc-q35-without-version: libvirt adds no PCI root for 'pc-q35', so the virtio devices have no PCI bus: an error", () => {
      const d = load('r13-machine-pc-q35-without-version');
      const f = only(d, 'GEN-CONNECT-1');
      expect(f.message).toMatch(/No PCI buses available/);
      expect(f.subjects.devices).toHaveLength(2);
    });

  });

  describe('validate on the input says what it says on the output of place (libvirt policy): the errors and the hotplug spare', () => {
    const names = fs.readdirSync(CASES).filter((f) => /^[rd]\d\d-.*\.xml$/.test(f) && !f.endsWith('.host.xml')).map((f) => f.replace(/\.xml$/, ''));
    const verdict = (x: Design): string[] => [...new Set(validate(x).filter((f) => f.severity === 'error' || f.ruleId === 'Q35-HP-1').map((f) => `${f.severity} ${f.ruleId}`))].sort();
    it.each(names)('%s', (name) => {
      const d = load(name);
      expect(verdict(d)).toEqual(verdict(place(d, { policy: 'libvirt' })));
    });
  });

  describe('every fix offered on these inputs clears its finding and adds no error', () => {
    const names = fs.readdirSync(CASES).filter((f) => /^(r\d\d|d\d\d|p02)-.*\.xml$/.test(f) && !f.endsWith('.host.xml')).map((f) => f.replace(/\.xml$/, ''));
    it.each(names)('%s', (name) => {
      const d = load(name);
      for (const f of validate(d).filter((x) => x.severity !== 'info')) {
        for (let i = 0; i < (f.fixes?.length ?? 0); i++) applyFix(d, f, i);
      }
    });
  });
}
