import { afterEach, describe, expect, it } from 'vitest';
import type { Command, Design } from '../engine/index.ts';
import { designFromXml } from '../ui/testDesign.ts';
import { createChecker, type CheckRequest, type CheckResponse, type WorkerLike } from './checker.ts';
import { createCheckAnswerer } from './checkAnswer.ts';
import { designerStore, docOf, findingsOf, loadCatalog, onChecked, setAppChecker } from './index.ts';

/**
 * The app judges a design as the libvirt release it is set to (the toolbar's release select,
 * DocState.libvirtVersion), here and in the checking worker (engine ValidateOptions.libvirtVersion).
 * A pseries PHB written at index 4 with target index 3: libvirt 10.7 gives the PHB 3 it adds for
 * the gap target index 3 too (PAPR-PHB-5 error), libvirt 9.0 gives it 4 (no error; real libvirt 9.0:
 * test/real/libvirt-release.test.ts).
 */
const GAP_PHB = `<domain type='qemu'><name>p</name><memory unit='MiB'>256</memory><vcpu placement='static'>1</vcpu>
<os><type arch='ppc64' machine='pseries'>hvm</type></os><devices>
<controller type='pci' index='4' model='pci-root'><target index='3'/></controller>
</devices></domain>`;

const phb5 = (findings: readonly { readonly ruleId: string }[]): number => findings.filter((f) => f.ruleId === 'PAPR-PHB-5').length;

/** A worker that answers as check.worker.ts does (one answerer per worker), recording what it was sent. */
function answeringWorker(posted: CheckRequest[]): WorkerLike {
  const answer = createCheckAnswerer();
  const w: WorkerLike = {
    onmessage: null,
    onerror: null,
    postMessage(req) {
      posted.push(req);
      setTimeout(() => w.onmessage?.({ data: answer(structuredClone(req)) } as MessageEvent<CheckResponse>), 0);
    },
    terminate() {},
  };
  return w;
}

afterEach(() => {
  setAppChecker(null);
  designerStore.getState().load(null);
});

describe('the checking worker judges as the release it is asked for', () => {
  it('validate: findings of that release; the request names it only when one is set', async () => {
    const posted: CheckRequest[] = [];
    const c = createChecker(() => answeringWorker(posted), 5000);
    const d = designFromXml(GAP_PHB);
    const byDefault = await c.validate(d);
    const older = await c.validate(d, '9.0');
    expect([byDefault.ok && phb5(byDefault.value), older.ok && phb5(older.value)]).toEqual([1, 0]);
    expect(posted.map((r) => (r.kind === 'validate' ? Object.keys(r.design).sort() : []))).toEqual([['guest', 'host'], ['guest', 'host', 'libvirtVersion']]);
  });

  it('verdicts: the design the worker holds is sent again when the release changes', async () => {
    const posted: CheckRequest[] = [];
    const c = createChecker(() => answeringWorker(posted), 5000);
    const d = designFromXml(GAP_PHB);
    const cmd: Command = { kind: 'add-controller', controller: { model: 'pci-root', index: 5 } };
    await c.verdicts(d, [cmd], 100, '9.0');
    await c.verdicts(d, [cmd], 100, '9.0');
    await c.verdicts(d, [cmd], 100);
    expect(posted.map((r) => (r.kind === 'verdicts' ? r.design?.libvirtVersion ?? (r.design ? 'default' : 'held') : r.kind))).toEqual(['9.0', 'held', 'default']);
  });
});

describe("the app's findings follow the design's release setting", () => {
  const loadGap = (): Design => {
    const d = designFromXml(GAP_PHB);
    designerStore.getState().load(docOf(d, 'gap'));
    return d;
  };

  it('evaluated here: PAPR-PHB-5 at the default and 10.7, none at 9.0, on the same design', async () => {
    setAppChecker(null);
    await loadCatalog();
    const d = loadGap();
    expect(phb5(findingsOf(d))).toBe(1);
    designerStore.getState().setLibvirtVersion('9.0');
    expect(phb5(findingsOf(designerStore.getState().present?.design))).toBe(0);
    designerStore.getState().setLibvirtVersion('10.7');
    expect(phb5(findingsOf(d))).toBe(1);
  });

  it("a document's first check in the worker is asked as the design's release", async () => {
    const posted: CheckRequest[] = [];
    setAppChecker(createChecker(() => answeringWorker(posted), 5000));
    await loadCatalog();
    const d = designFromXml(GAP_PHB);
    designerStore.getState().load({ ...docOf(d, 'gap'), libvirtVersion: '9.0' });
    const checked = new Promise<void>((resolve) => onChecked(resolve));
    findingsOf(d);
    await checked;
    expect(posted.filter((r) => r.kind === 'validate').map((r) => (r.kind === 'validate' ? r.design.libvirtVersion : undefined))).toEqual(['9.0']);
    expect(phb5(findingsOf(d))).toBe(0);
  });
});
