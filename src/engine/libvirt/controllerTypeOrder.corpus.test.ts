import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDesign, importHost, machineFamily, placeWithReport } from '../index.ts';
import { firstDifference } from '../../../test/support/placement-compare.ts';
import { sharedPath } from '../../../test/support/shared.ts';

/**
 * The order libvirt keeps def->controllers in, read off libvirt's own expected outputs
 * (tests/qemuxmlconfdata/*.<arch>-latest.xml, libvirt 10.7): virDomainDefFormat() writes
 * def->controllers as it stands, so each output shows the types grouped, in the order of their
 * first `<controller>` in the input (virDomainDefControllersParse + virDomainControllerInsertPreAlloced),
 * with the types libvirt adds after them. Guest.controllerTypeOrder, as the reader records it, must
 * say the same; and the q35 guests whose PCI controllers are written before another type (the USB,
 * virtio-serial, SCSI controllers of q35-pcie, q35-usb2, usb-controller-default-q35 …) must be
 * placed as the output places them.
 */

const typesOf = (xml: string): string[] => [...xml.matchAll(/<controller\b[^>]*?\btype=['"]([^'"]*)['"]/g)].map((m) => m[1] ?? '');
const firstAppearance = (types: readonly string[]): string[] => types.filter((t, i) => types.indexOf(t) === i);

describe("Guest.controllerTypeOrder against libvirt's expected outputs", () => {
  const corpus = sharedPath('the libvirt corpus', 'corpus', 'libvirt');
  const upstream = sharedPath('the libvirt corpus', 'corpus', 'libvirt-upstream');
  const mock = sharedPath('the libvirt mock host', 'corpus', 'libvirt-mock-host.nodedev.xml');
  if (!corpus || !upstream || !mock) return;
  const host = importHost(readFileSync(mock, 'utf8'), 'libvirt-mock-host.nodedev.xml');
  if (!host.ok) throw new Error(host.error.message);
  const pairs = [corpus, upstream].flatMap((dir) => {
    const files = readdirSync(dir);
    return files
      .filter((f) => f.endsWith('.xml') && !f.includes('-latest.') && !f.endsWith('-invalid.xml'))
      .flatMap((f) => {
        const out = files.find((o) => o.startsWith(f.replace(/\.xml$/, '.')) && o.endsWith('-latest.xml') && !o.includes('abi-update'));
        return out ? [{ name: f, input: readFileSync(path.join(dir, f), 'utf8'), output: readFileSync(path.join(dir, out), 'utf8') }] : [];
      });
  });

  it('every output keeps each controller type in one group: the input\'s types in the order of their first element, then the types libvirt adds', () => {
    let checked = 0;
    for (const p of pairs) {
      const written = firstAppearance(typesOf(p.input));
      const out = typesOf(p.output);
      const groups = out.filter((t, i) => i === 0 || out[i - 1] !== t);
      expect(groups, p.name).toEqual(firstAppearance(out));
      expect(groups.slice(0, written.length), p.name).toEqual(written);
      checked++;
    }
    expect(checked).toBeGreaterThan(300);
  });

  const q35 = pairs.flatMap((p) => {
    const d = createDesign(p.input, host.value, p.name);
    return d.ok && machineFamily(d.value.guest) === 'q35' && d.value.guest.controllerTypeOrder ? [{ ...p, design: d.value }] : [];
  });

  it('the reader records the input\'s order when the PCI controllers come before another type', () => {
    expect(q35.map((p) => p.name)).toEqual(expect.arrayContaining(['qemuxmlconfdata__q35-pcie.xml', 'qemuxmlconfdata__q35-usb2.xml', 'qemuxmlconfdata__usb-controller-default-q35.xml']));
    for (const p of q35) expect(p.design.guest.controllerTypeOrder, p.name).toEqual(firstAppearance(typesOf(p.input)));
  });

  it('those q35 guests are placed as libvirt places them', () => {
    for (const p of q35) {
      const expected = createDesign(p.output, host.value, p.name);
      if (!expected.ok) throw new Error(expected.error.message);
      const placed = placeWithReport(p.design, { policy: 'libvirt' }).design.guest;
      expect(firstDifference(p.design.guest.devices, placed, expected.value.guest), p.name).toBeUndefined();
    }
  });
});
