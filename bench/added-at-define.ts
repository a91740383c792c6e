/**
 * CPU per edit of what the canvas computes about libvirt's define (src/ui/layout.ts addedAtDefine)
 * on the 31-vPHB bench design (e2e/fixtures/designs.ts largePseries: libvirt adds a USB controller
 * and a memballoon to it): host group 2 moved between vPHBs 1 and 2, as the drop bench does, each
 * edit a new guest object as the store makes it. CPU time (process.cpuUsage), not wall time: the
 * machine is shared. `node --import tsx bench/added-at-define.ts [edits=40] [runs=5]`
 */
import { loadavg } from 'node:os';
import { applyCommand, createDesign, importHost, type Design } from '../src/engine/index.ts';
import { addedAtDefine } from '../src/ui/layout.ts';
import { largePseries } from '../e2e/fixtures/designs.ts';

const edits = Number(process.argv[2] ?? 40);
const runs = Number(process.argv[3] ?? 5);
const g = largePseries();
function unwrap<T>(r: { ok: true; value: T } | { ok: false }): T {
  if (!r.ok) throw new Error('the bench design does not import');
  return r.value;
}
const start: Design = unwrap(createDesign(g.domain, unwrap(importHost(g.host ?? ''))));
// the designs of every edit first: only addedAtDefine is timed
const designs: Design[] = [];
let d = start;
for (let i = 0; i < edits; i++) {
  d = applyCommand(d, { kind: 'move-group', group: 2, controller: i % 2 ? 2 : 1 });
  designs.push(d);
}
addedAtDefine(start.guest);
const perEdit: number[] = [];
for (let r = 0; r < runs; r++) {
  // fresh guest objects per run: the per-guest memo must not answer for a run before
  const run = designs.map((x) => ({ ...x.guest }));
  const t0 = process.cpuUsage();
  for (const guest of run) addedAtDefine(guest);
  const t = process.cpuUsage(t0);
  perEdit.push((t.user + t.system) / 1000 / edits);
}
perEdit.sort((a, b) => a - b);
console.log(`addedAtDefine CPU per edit: median ${perEdit[Math.floor(runs / 2)]?.toFixed(3)} ms (runs ${perEdit.map((x) => x.toFixed(3)).join(', ')}; ${edits} edits; load ${loadavg()[0]?.toFixed(1)})`);
