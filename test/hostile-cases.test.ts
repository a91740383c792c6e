import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Design, Finding } from '../src/engine/index.ts';
import { createDesign, exportDomain, placeWithReport, predictDefine, validate } from '../src/engine/index.ts';
import { sharedPath } from './support/shared.ts';

/**
 * The hostile and fuzzed inputs of issue 11 (../shared/cases, h*): each gives its right outcome,
 * fast, and nothing throws or grows with a number from the input.
 */

const errors = (d: Design): Finding[] => validate(d).filter((f) => f.severity === 'error');

describe('hostile cases (../shared/cases)', () => {
  const dir = sharedPath('the hostile cases', 'cases');
  if (!dir) return;
  const load = (file: string): { text: string; design: Design } => {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    const r = createDesign(text, undefined, file);
    if (!r.ok) throw new Error(`${file}: ${r.error.message}`);
    return { text, design: r.value };
  };
  const key = (d: Design, element: string): string => d.guest.devices.find((x) => x.element === element)?.key ?? '?';

  it('h01-validate-bus-ffffffff.xml: bus 0xffffffff is a GEN-ADDR-2 error; nothing is simulated, place refuses with a note', () => {
    const { design } = load('h01-validate-bus-ffffffff.xml');
    const e = errors(design);
    expect(e.map((f) => [f.ruleId, f.subjects.devices])).toEqual([['GEN-ADDR-2', [key(design, 'interface')]]]);
    expect(e[0]?.message).toContain('0xffffffff');
    expect(predictDefine(design.guest, design.host)).toEqual({ empty: [], spares: [] });
    const r = placeWithReport(design, { policy: 'libvirt' });
    expect(r.design).toBe(design);
    expect(r.notes).toEqual([expect.stringMatching(/^nothing was placed: an address names bus 0xffffffff, above the highest controller index 0xff/)]);
    expect(placeWithReport(design, { policy: 'pe-per-phb', spare: 2 }).design).toBe(design);
  });

  it('h03-virt-root-port-bus-256-throws.xml: a root port on bus 256 is a finding, never an exception', () => {
    const { design } = load('h03-virt-root-port-bus-256-throws.xml');
    const all = validate(design);
    expect(all.filter((f) => f.internal)).toEqual([]);
    // libvirt refuses bus 256 before QEMU could refuse the order, so GEN-IDX-4 (a controller on a bus
    // no controller has) leaves it to GEN-ADDR-2 since placefail
    expect(errors(design).map((f) => f.ruleId).sort()).toEqual(['GEN-ADDR-2']);
    expect(placeWithReport(design, { policy: 'libvirt' }).notes[0]).toMatch(/bus 0x100/);
  });

  it("h05-slot-09.xml: slot='09' is refused as libvirt refuses it (no octal 9), and so is a trailing space", () => {
    const { text, design } = load('h05-slot-09.xml');
    const e = errors(design);
    expect(e.map((f) => f.ruleId)).toEqual(['GEN-ADDR-3']);
    expect(e[0]?.message).toContain("slot='09'");
    const spaced = createDesign(text.replace("slot='09'", "slot='0x05 '"));
    expect(spaced.ok && errors(spaced.value).map((f) => f.message)).toEqual([expect.stringContaining("slot='0x05 '")]);
    // what libvirt accepts: leading white space, and 011 octal = 9
    for (const ok of ["slot=' 0x09'", "slot='011'", "slot='9'"]) {
      const d = createDesign(text.replace("slot='09'", ok));
      expect(d.ok && d.value.guest.devices[0]?.address?.slot, ok).toBe(9);
    }
  });

  it('h06-pseries-index-255.xml: a PHB at index 255 needs 256 PHBs: a PAPR-PHB-2 error, and place adds none', () => {
    const { design } = load('h06-pseries-index-255.xml');
    expect(errors(design).map((f) => [f.ruleId, f.subjects.controllers])).toEqual([['PAPR-PHB-2', [255]]]);
    const r = placeWithReport(design, { policy: 'libvirt' });
    expect(r.design.guest.controllers).toHaveLength(design.guest.controllers.length);
    expect(r.notes[0]).toMatch(/256 PHBs/);
  });

  it('h07-controller-and-device-clash.xml: a controller and a device at one address are a GEN-ADDR-4 error naming both', () => {
    const { design } = load('h07-controller-and-device-clash.xml');
    const f = errors(design).filter((x) => x.ruleId === 'GEN-ADDR-4');
    expect(f.map((x) => x.subjects)).toEqual([{ controllers: [1], devices: [key(design, 'interface')] }]);
  });

  it('h08-downstream-port-chassis.xml: two downstream ports with chassis 7 are a Q35-RP-3 error', () => {
    const { design } = load('h08-downstream-port-chassis.xml');
    expect(errors(design).filter((x) => x.ruleId === 'Q35-RP-3').map((x) => x.subjects.controllers)).toEqual([[3, 4]]);
  });

  it('h09-phb-negative-target.xml: target index -2 is a PAPR-PHB-2 error', () => {
    const { design } = load('h09-phb-negative-target.xml');
    expect(errors(design).map((x) => [x.ruleId, x.subjects.controllers])).toEqual([['PAPR-PHB-2', [1]]]);
  });

  it('every case comes back byte for byte from an unchanged import', () => {
    for (const f of fs.readdirSync(dir).filter((n) => /^h0\d.*\.xml$/.test(n) && n !== 'h04-latin1-declared.xml')) {
      const { text, design } = load(f);
      expect(exportDomain(design) === text, f).toBe(true);
    }
  });
});
