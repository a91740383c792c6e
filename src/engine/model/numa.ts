import type { Guest } from './guest.ts';
import type { Host } from './host.ts';

/** Does the libvirt nodeset syntax ("0-3,^2,5") include `node`? Later parts win, as in libvirt. */
export function nodesetHas(nodeset: string, node: number): boolean {
  let has = false;
  for (const raw of nodeset.split(',')) {
    const part = raw.trim();
    const neg = part.startsWith('^');
    const m = /^(\d+)(?:-(\d+))?$/.exec(neg ? part.slice(1) : part);
    if (!m) continue;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (node >= lo && node <= hi) has = !neg;
  }
  return has;
}

/**
 * The guest NUMA cell for a host NUMA node: the cell whose `<numatune><memnode nodeset>` holds it;
 * with cells but no numatune, the node's position among the host's nodes when that cell exists.
 * This is the `<node>` a vPHB holding a device of that host node should carry (PAPR-NUMA-4).
 */
export function guestCellForHostNode(guest: Guest, host: Host | undefined, hostNode: number | undefined): number | undefined {
  if (hostNode === undefined || guest.numaCells.length === 0) return undefined;
  const cells = new Set(guest.numaCells.map((c) => c.id));
  if (guest.numaMemnodes.length > 0) {
    const m = guest.numaMemnodes.find((mn) => cells.has(mn.cellid) && nodesetHas(mn.nodeset, hostNode));
    return m?.cellid;
  }
  const nodes = [...new Set([...(host?.devices.values() ?? [])].map((d) => d.numaNode).filter((n): n is number => n !== undefined))].sort((a, b) => a - b);
  const i = nodes.indexOf(hostNode);
  return i >= 0 && i < guest.numaCells.length ? i : undefined;
}
