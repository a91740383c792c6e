/**
 * The sampling profiler's samples of one renderer in a Chromium trace, in the trace's clock (µs):
 * `samples` as [node id, timestamp], with the call tree's nodes by id and each node's parent. Shared
 * by bench/trace-boot.mjs and bench/trace-drag.mjs.
 */
export function profileSamples(events, pid) {
  const byId = new Map();
  const parent = new Map();
  const samples = [];
  let t = 0;
  for (const e of events) {
    if (e.pid !== pid) continue;
    if (e.name === 'Profile') t = e.args.data.startTime;
    if (e.name !== 'ProfileChunk') continue;
    const cp = e.args.data.cpuProfile ?? {};
    for (const nd of cp.nodes ?? []) {
      byId.set(nd.id, nd);
      if (nd.parent !== undefined) parent.set(nd.id, nd.parent);
    }
    (cp.samples ?? []).forEach((id, k) => {
      t += e.args.data.timeDeltas[k];
      samples.push([id, t]);
    });
  }
  return { byId, parent, samples };
}
