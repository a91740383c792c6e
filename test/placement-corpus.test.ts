import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Design, Host } from '../src/engine/index.ts';
import type { MachineFamily } from '../src/engine/index.ts';
import { createDesign, importHost, machineFamily, place, placeWithReport } from '../src/engine/index.ts';
import { addr, controllerRows, deviceKeys, deviceRows, firstDifference } from './support/placement-compare.ts';
import { SHARED, sharedPaths } from './support/shared.ts';

/**
 * Policy `libvirt` against libvirt's own expected outputs (tests/qemuxmlconfdata, libvirt 10.7,
 * mock host of tests/virpcimock.c): same PCI controllers and the same address for every device.
 */
const CORPUS = path.join(SHARED, 'corpus', 'libvirt');
const MOCK_HOST = path.join(SHARED, 'corpus', 'libvirt-mock-host.nodedev.xml');

const CASES: ReadonlyArray<[string, string]> = [
  ['pseries-hostdevs-1', 'ppc64'],
  ['pseries-hostdevs-2', 'ppc64'],
  ['pseries-hostdevs-3', 'ppc64'],
  ['pseries-many-devices', 'ppc64'],
  ['pseries-many-buses-1', 'ppc64'],
  ['pseries-many-buses-2', 'ppc64'],
  ['pseries-phb-simple', 'ppc64'],
  ['pseries-phb-default-missing', 'ppc64'],
  ['pseries-phb-numa-node', 'ppc64'],
  ['q35-pcie', 'x86_64'],
  ['q35-pcie-autoadd', 'x86_64'],
  ['q35-multifunction', 'x86_64'],
  ['aarch64-virt-virtio', 'aarch64'],
  ['aarch64-traditional-pci', 'aarch64'],
  ['aarch64-virt-headless', 'aarch64'],
  ['aarch64-virt-default-models', 'aarch64'],
  ['aarch64-virt-graphics', 'aarch64'],
  ['hvf-aarch64-virt-headless', 'aarch64'],
  ['hvf-x86_64-q35-headless', 'x86_64'],
  ['pcie-root-port-model-generic', 'x86_64'],
];

function load(file: string, host: Host): Design {
  const r = createDesign(fs.readFileSync(file, 'utf8'), host, path.basename(file));
  if (!r.ok) throw new Error(`${file}: ${r.error.message}`);
  return r.value;
}

if (sharedPaths('the libvirt placement comparison', ['corpus', 'libvirt'], ['corpus', 'libvirt-upstream'], ['corpus', 'libvirt-mock-host.nodedev.xml'])) {
  const hostResult = importHost(fs.readFileSync(MOCK_HOST, 'utf8'), 'libvirt-mock-host.nodedev.xml');
  if (!hostResult.ok) throw new Error(hostResult.error.message);
  const host = hostResult.value;

  describe('place(libvirt) matches libvirt 10.7 expected outputs', () => {
    it.each(CASES)('%s', (name, arch) => {
      const input = load(path.join(CORPUS, `qemuxmlconfdata__${name}.xml`), host);
      const expected = load(path.join(CORPUS, `qemuxmlconfdata__${name}.${arch}-latest.xml`), host);
      const placed = place(input, { policy: 'libvirt' }).guest;

      expect(controllerRows(placed.controllers)).toEqual(controllerRows(expected.guest.controllers));

      const mine = deviceKeys(placed.devices);
      const theirs = deviceKeys(expected.guest.devices);
      expect(deviceRows(mine, theirs)).toEqual(deviceRows(theirs, mine));
      // every device of the input is there, at libvirt's address
      for (const d of deviceKeys(input.guest.devices).keys()) expect(mine.has(d)).toBe(true);
      // scripts/corpus-report.ts counts with the same comparison
      expect(firstDifference(input.guest.devices, placed, expected.guest)).toBeUndefined();
    });

    /**
     * Every corpus case (corpus/libvirt and corpus/libvirt-upstream) with an expected output for the
     * four families, as scripts/corpus-report.ts counts them: the matches per family are printed,
     * and each is a floor that only rises (raise it when a change matches more).
     */
    /**
     * Cases whose expected output depends on QEMU capabilities libvirt's test harness removes
     * (tests/qemuxmlconftest.c DO_TEST_CAPS_… with flags or a trimmed capability set): pcitopo
     * models the QEMUs people run, so it places these as libvirt does with the full set. Every
     * pseries, q35 and virt case but these must match.
     */
    const CAPABILITY_CASES: Readonly<Record<string, string>> = {
      'libvirt/usb-controller-automatic-unavailable-q35':
        'the test removes every USB controller capability (qemu-xhci among them), so libvirt adds no default USB controller; with a QEMU that has qemu-xhci, libvirt adds it on q35 and a root port for it',
    };

    it('matches per family over all of libvirt\'s tests with an expected output (a floor that only rises)', () => {
      const FLOOR: Record<string, number> = { pseries: 47, q35: 68, virt: 19, i440fx: 366 };
      const mismatched: string[] = [];
      const OUTPUT = /^(.*)\.([a-z0-9_]+)-latest\.xml$/;
      const tally = new Map<MachineFamily, { match: number; of: number }>();
      for (const dir of ['libvirt', 'libvirt-upstream']) {
        const full = path.join(SHARED, 'corpus', dir);
        const files = fs.readdirSync(full).sort();
        const names = new Set(files);
        for (const out of files) {
          const m = OUTPUT.exec(out);
          if (!m || m[1]?.endsWith('.abi-update') || !names.has(`${m[1]}.xml`)) continue;
          const expected = createDesign(fs.readFileSync(path.join(full, out), 'utf8'), host, out);
          if (!expected.ok) continue;
          const family = machineFamily(expected.value.guest);
          if (!(family in FLOOR)) continue;
          const t = tally.get(family) ?? { match: 0, of: 0 };
          tally.set(family, t);
          t.of++;
          const input = createDesign(fs.readFileSync(path.join(full, `${m[1]}.xml`), 'utf8'), host, `${m[1]}.xml`);
          if (!input.ok || machineFamily(input.value.guest) === 'other') {
            if (family !== 'i440fx') mismatched.push(`${dir}/${(m[1] ?? '').replace(/^qemuxmlconfdata__/, '')}`);
            continue;
          }
          const placedGuest = placeWithReport(input.value, { policy: 'libvirt' }).design.guest;
          if (!firstDifference(input.value.guest.devices, placedGuest, expected.value.guest)) t.match++;
          else if (family !== 'i440fx') mismatched.push(`${dir}/${(m[1] ?? '').replace(/^qemuxmlconfdata__/, '')}`);
        }
      }
      const line = Object.keys(FLOOR).map((f) => `${f} ${tally.get(f as MachineFamily)?.match ?? 0} of ${tally.get(f as MachineFamily)?.of ?? 0}`).join(', ');
      console.log(`place --policy libvirt matches libvirt 10.7's expected output: ${line}`);
      for (const [f, floor] of Object.entries(FLOOR)) expect(tally.get(f as MachineFamily)?.match ?? 0, f).toBeGreaterThanOrEqual(floor);
      expect(mismatched.filter((n) => !(n in CAPABILITY_CASES))).toEqual([]);
    });

    it('the comparison notices a placement that is not libvirt\'s (pe-per-phb joins the two functions in one slot)', () => {
      const input = load(path.join(CORPUS, 'qemuxmlconfdata__pseries-hostdevs-1.xml'), host);
      const expected = load(path.join(CORPUS, 'qemuxmlconfdata__pseries-hostdevs-1.ppc64-latest.xml'), host);
      const other = deviceKeys(place(input, { policy: 'pe-per-phb' }).guest.devices);
      const want = deviceKeys(expected.guest.devices);
      expect(addr(other.get('hostdev 0001:01:00.1')?.address)).not.toBe(addr(want.get('hostdev 0001:01:00.1')?.address));
      expect(firstDifference(input.guest.devices, place(input, { policy: 'pe-per-phb' }).guest, expected.guest)?.kind).toMatch(/^(controller|device)/);
    });
  });
}
