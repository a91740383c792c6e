import type { NumaCell, NumaMemnode } from '../model/guest.ts';

/**
 * What src/conf/numa_conf.c refuses in the numbering of a domain's NUMA cells once it has read
 * their ids (libvirt 10.7, the same words from libvirt 9.0's `virsh define`). An id that cannot be
 * read at all is Guest.unreadable's (GEN-IDX-1 says so apart).
 */

/**
 * virDomainNumaDefParseXML(): there are as many cells as `<cell>` elements, each takes its `id` (its
 * position when none is written), and, in the order written, the first id that is not below the
 * number of cells, or that an earlier cell took, makes libvirt refuse the domain. Returns its words.
 * @param cells the cells as read (NumaCell.id undefined: unreadable, skipped here)
 */
export function virDomainNumaDefParseXMLError(cells: readonly NumaCell[]): string | undefined {
  const taken = new Set<number>();
  for (const { id } of cells) {
    if (id === undefined) continue;
    if (id >= cells.length) return "Exactly one 'cell' element per guest NUMA cell allowed, non-contiguous ranges or ranges not starting from 0 are not allowed";
    if (taken.has(id)) return `Duplicate NUMA cell info for cell id '${id}'`;
    taken.add(id);
  }
  return undefined;
}

/**
 * virDomainNumatuneNodeParseXML() (called by virDomainNumatuneParseXML), for `<memnode cellid>`: a
 * cellid that names no cell is refused ("… must correspond to existing guest's NUMA cell"). Returns
 * its words for the first such memnode. Its other refusals are not modelled (a memnode without
 * cellid or nodeset, two for one cell, memnodes without cells, a mode or nodeset it cannot read).
 * @param memnodes the memnodes as read
 * @param cells how many `<cell>` elements the domain has
 */
export function virDomainNumatuneNodeParseXMLError(memnodes: readonly NumaMemnode[], cells: number): string | undefined {
  return memnodes.some((m) => m.cellid >= cells) ? "Argument 'cellid' in memnode element must correspond to existing guest's NUMA cell" : undefined;
}
