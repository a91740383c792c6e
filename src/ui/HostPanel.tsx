import { memo, useCallback, useDeferredValue, useMemo, useRef, useState } from 'react';
import type { Guest, HostDevice, IommuGroup } from '../engine/index.ts';
import { formatPciAddress, worse } from '../engine/index.ts';
import { acrossFindingsOf, designerStore, findingsOf, guestColour, subjectIndex, usageOf, useDesigner, workspaceOf } from '../store/index.ts';
import { useDragSource } from './dnd.ts';
import { onEnterOrSpace, useRovingFocus } from './roving.ts';

/** guest name -> colour, for the usage chips (issue 15) */
type Colours = ReadonlyMap<string, string>;

/** Which guests use a host group or device: each guest's name on its colour. */
function Users({ names, colours, testId, label }: { names: readonly string[]; colours: Colours; testId: string; label: string }) {
  if (!names.length) return null;
  return (
    <span className="users" data-testid={testId} aria-label={`${label} ${names.join(', ')}`}>
      {names.map((n) => (
        <span key={n} className="user" style={{ borderColor: colours.get(n), color: colours.get(n) }} title={`used by ${n}`}>
          <span className="gdot" style={{ background: colours.get(n) }} aria-hidden="true" />
          {n}
        </span>
      ))}
    </span>
  );
}

const inGuestCache = new WeakMap<Guest, ReadonlySet<string>>();
function inGuest(guest: Guest | undefined): ReadonlySet<string> {
  if (!guest) return new Set();
  let s = inGuestCache.get(guest);
  if (!s) {
    s = new Set(guest.devices.filter((d) => d.hostAddress).map((d) => formatPciAddress(d.hostAddress as NonNullable<typeof d.hostAddress>)));
    inGuestCache.set(guest, s);
  }
  return s;
}

/**
 * One host function. In a group of one it drags itself (and may land on an exact slot). In a group
 * of several, the row belongs to the group card: a press anywhere on the card drags the whole group,
 * which is what VFIO needs (HD-VFIO-1) and what a user grabbing the card expects (issue 7: a press in
 * the middle of a two-function card used to pick up one function). One function alone is dragged by
 * its own handle.
 */
const HostDeviceRow = memo(function HostDeviceRow({ dev, placed, alone, users, colours, selected }: { dev: HostDevice; placed: boolean; alone: boolean; users: readonly string[] | undefined; colours: Colours; selected: boolean }) {
  const onPointerDown = useDragSource({ kind: 'host-device', address: dev.address }, `${dev.address} ${dev.productName ?? ''}`.trim());
  const select = useCallback(() => designerStore.getState().select({ kind: 'host-device', address: dev.address }), [dev.address]);
  const product = dev.productName ?? dev.productId ?? 'unknown device';
  return (
    <li
      className={`hdev${selected ? ' selected' : ''}${placed ? ' placed' : ''}`}
      data-testid={`host-device-${dev.address}`}
      tabIndex={0}
      role="button"
      aria-pressed={selected}
      aria-label={`Host device ${dev.address} ${product}${placed ? ', in the guest' : ''}`}
      onPointerDown={alone ? onPointerDown : undefined}
      onClick={(e) => {
        e.stopPropagation();
        select();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          e.stopPropagation();
          select();
        }
      }}
    >
      <div className="hname" title={`${dev.address} ${product}${dev.vendorName ? ` (${dev.vendorName})` : ''}`}>
        {alone ? null : (
          <span className="fgrip" data-testid={`host-function-grip-${dev.address}`} title={`Drag ${dev.address} alone (the rest of its IOMMU group stays on the host)`} onPointerDown={onPointerDown} aria-hidden="true">
            ⠿
          </span>
        )}
        <span className="haddr">{dev.address}</span> {product}
      </div>
      <div className="hmeta">
        <span className="vendor" title={dev.vendorName ?? dev.vendorId ?? undefined}>
          {dev.vendorName ?? dev.vendorId ?? ''}
        </span>
        <span title="bound host driver">{dev.driver ?? 'no driver'}</span>
        {dev.numaNode !== undefined ? <span title="host NUMA node">NUMA {dev.numaNode}</span> : null}
        <span>{dev.pcie ? 'PCIe' : 'PCI'}</span>
        {dev.bridge ? <span>bridge</span> : null}
        {placed && !users ? <span className="in-guest">in guest</span> : null}
      </div>
      {users?.length ? (
        <div className="husers">
          <Users names={users} colours={colours} testId={`host-device-usage-${dev.address}`} label="used by" />
        </div>
      ) : null}
    </li>
  );
});

/**
 * A card's height in px before it was ever drawn: its header and one row per function (a row whose
 * guest chips wrap is taller; the browser keeps the real height once it has drawn the card). Off
 * screen cards are not laid out (content-visibility), so the list's scroll height comes from this.
 */
const cardHeightEstimate = (functions: number): number => 32 + 44 * functions;

/** Taller than the host list is on any screen (px): the cards drawn at once when the list changes. */
const FIRST_SCREEN_PX = 1600;

/** The leading cards that fill the first screenful (by their estimated height). */
function firstScreen<T extends { devices: readonly HostDevice[] }>(cards: readonly T[]): readonly T[] {
  let px = 0;
  let n = 0;
  for (const c of cards) {
    if (px >= FIRST_SCREEN_PX) break;
    px += cardHeightEstimate(c.devices.length);
    n++;
  }
  return n === cards.length ? cards : cards.slice(0, n);
}

/**
 * One IOMMU group. Its props are the group's own (its functions, and which of them the guest holds as
 * a string of 0/1 per function), so an edit re-renders only the cards it changed (a drop on a
 * 31-vPHB design has one frame for everything it changes, DESIGN.md §7).
 */
const GroupCard = memo(function GroupCard({ group, devices, inGuestMask, usage, deviceUsers, colours }: { group: IommuGroup; devices: readonly HostDevice[]; inGuestMask: string; usage: ReadonlyMap<string, readonly string[]> | undefined; deviceUsers: ReadonlyMap<string, readonly string[]> | undefined; colours: Colours }) {
  const selected = useDesigner((s) => s.selection?.kind === 'group' && s.selection.number === group.number);
  // the selected function, when it is one of this card's: one store subscription per card, not one per
  // function (a 120-function host mounted 120 of them on the first render)
  const selectedFunction = useDesigner((s) => (s.selection?.kind === 'host-device' && group.members.includes(s.selection.address) ? s.selection.address : null));
  // the guest's own findings and those across guests (a group shared or split: HD-SHARE-1/2)
  const severity = useDesigner((s) => {
    const own = subjectIndex(findingsOf(s.present?.design)).groups.get(group.number);
    const across = subjectIndex(acrossFindingsOf(workspaceOf(s.present))).groups.get(group.number);
    return across === undefined ? own : worse(own, across);
  });
  const onPointerDown = useDragSource({ kind: 'group', number: group.number }, `IOMMU group ${group.number}${devices.length > 1 ? ` (${devices.length} functions)` : ''}`);
  const select = useCallback(() => designerStore.getState().select({ kind: 'group', number: group.number }), [group.number]);
  const placedAt = (i: number) => inGuestMask[i] === '1';
  const count = devices.filter((_, i) => placedAt(i)).length;
  const onlyBridges = devices.length > 0 && devices.every((d) => d.bridge);
  const numa = [...new Set(devices.map((d) => d.numaNode).filter((n) => n !== undefined))];
  return (
    <section
      className={`hgroup${selected ? ' selected' : ''}${count > 0 ? ' used' : ''}${severity ? ` sev-${severity}` : ''}${onlyBridges ? ' bridges' : ''}`}
      data-testid={`host-group-${group.number}`}
      // the height it will have, for `content-visibility: auto` (styles.css) while it is off screen
      style={{ containIntrinsicHeight: `auto ${cardHeightEstimate(devices.length)}px` }}
      aria-label={`IOMMU group ${group.number}, ${devices.length} device${devices.length === 1 ? '' : 's'}${count ? `, ${count} in the guest` : ''}`}
      onPointerDown={onPointerDown}
    >
      <header
        role="button"
        tabIndex={0}
        aria-pressed={selected}
        onClick={select}
        onKeyDown={onEnterOrSpace(select)}
      >
        <span className="grip" aria-hidden="true">⠿</span>
        <strong>Group {group.number}</strong>
        <span className="gmeta">
          {devices.length} fn{numa.length ? ` · NUMA ${numa.join(',')}` : ''}
        </span>
        {count > 0 && !deviceUsers ? <span className="in-guest">{count === devices.length ? 'in guest' : `${count}/${devices.length} in guest`}</span> : null}
        {deviceUsers ? <Users names={[...(usage?.keys() ?? [])]} colours={colours} testId={`host-group-usage-${group.number}`} label="used by" /> : null}
        {onlyBridges ? <span className="tag">host bridge</span> : null}
        {severity ? <span className={`badge ${severity}`}>{severity === 'info' ? 'i' : '!'}</span> : null}
      </header>
      <ul>
        {devices.map((d, i) => (
          <HostDeviceRow key={d.address} dev={d} selected={selectedFunction === d.address} placed={placedAt(i)} alone={devices.length === 1} users={deviceUsers ? (deviceUsers.get(d.address) ?? []) : undefined} colours={colours} />
        ))}
      </ul>
    </section>
  );
});

/**
 * The host list's filters, apart: React writes an input's name and type attributes again whenever it
 * renders it, so inputs inside the panel cost DOM writes and a restyle on every edit of the guest.
 * `guestNames`: the workspace's guests, one per line ('' for a design of one guest: no guest filter).
 */
const Filters = memo(function Filters({ query, setQuery, onlyFree, setOnlyFree, guestNames, guestFilter, setByGuest }: { query: string; setQuery: (q: string) => void; onlyFree: boolean; setOnlyFree: (v: boolean) => void; guestNames: string; guestFilter: string; setByGuest: (name: string) => void }) {
  return (
    <div className="filters">
      <input type="search" data-testid="host-search" placeholder="Search host devices" title="Matches an address, product, vendor, driver or group number" aria-label="Search host devices" value={query} onChange={(e) => setQuery(e.target.value)} />
      <label>
        <input type="checkbox" data-testid="host-free-only" checked={onlyFree} onChange={(e) => setOnlyFree(e.target.checked)} /> free only
      </label>
      {guestNames ? (
        <select data-testid="host-guest-filter" aria-label="Show the IOMMU groups a guest uses" title="Show only the IOMMU groups one guest uses" value={guestFilter} onChange={(e) => setByGuest(e.target.value)}>
          <option value="">All guests</option>
          {guestNames.split('\n').map((name) => (
            <option key={name} value={name}>
              Used by {name}
            </option>
          ))}
        </select>
      ) : null}
    </div>
  );
});

type Card = { readonly group: IommuGroup; readonly devices: readonly HostDevice[] };

/**
 * The previous list while the cards are the same ones (same group and function arrays, in order): a
 * new array of the same cards (a workspace's usage recomputed by an edit) is no new list, so it
 * neither re-renders every card nor sends the cards past the first screenful back to a deferred render
 * (a drop on a 31-vPHB design unmounted and rebuilt 22 cards, DESIGN.md §7: one frame for a drop).
 */
export function sameCards<T extends Card>(prev: readonly T[] | null, next: readonly T[]): readonly T[] {
  if (prev && prev.length === next.length && prev.every((c, i) => c.group === next[i]?.group && c.devices === next[i]?.devices)) return prev;
  return next;
}

function useSameList<T extends Card>(next: readonly T[]): readonly T[] {
  const [kept, setKept] = useState<readonly T[]>(next);
  const same = sameCards(kept, next);
  // React's pattern for state derived from props: set during render, re-rendered before the commit
  if (same !== kept) setKept(same);
  return same;
}

export function HostPanel() {
  const host = useDesigner((s) => s.present?.design.host);
  // what the guest holds (and, in a workspace, who uses what) follows an edit in the background: a
  // drop's frame shows the moved devices and the findings, the cards' own badges (GroupCard) and
  // not this panel's ~0.4 ms of working out which functions are placed (DESIGN.md §7)
  const guest = useDeferredValue(useDesigner((s) => s.present?.design.guest));
  const [query, setQuery] = useState('');
  const [onlyFree, setOnlyFree] = useState(false);
  // a workspace of several guests: who uses what (engine hostUsage), and a filter by guest
  const ws = useDeferredValue(useDesigner((s) => workspaceOf(s.present)));
  const several = ws.guests.length > 1;
  const [byGuest, setByGuest] = useState('');
  const usage = several ? usageOf(ws) : undefined;
  // the same map while the guests and their colours are: the workspace is a new object with every
  // edit, and a new map re-rendered every card and function row of the host (a drop's frame, DESIGN.md §7)
  const colourKey = ws.guests.map((g) => `${g.name}\u0000${guestColour(ws, g.name)}`).join('\n');
  const colours = useMemo<Colours>(() => new Map(colourKey ? colourKey.split('\n').map((line) => line.split('\u0000') as [string, string]) : []), [colourKey]);
  const deviceUsers = useMemo(() => (usage ? new Map([...usage.devices].map(([a, uses]) => [a, uses.map((u) => u.guest)])) : undefined), [usage]);
  const guestFilter = several && ws.guests.some((g) => g.name === byGuest) ? byGuest : '';
  const list = useRef<HTMLDivElement>(null);
  // one Tab stop for the whole list; the arrow keys go from card to card and function to function
  useRovingFocus(list, '.hgroup header, .hdev');
  const placed = inGuest(guest);
  // every group with its functions, per host: the same arrays across edits of the guest
  const all = useMemo(() => {
    if (!host) return [];
    return [...host.groups.values()].map((group) => ({ group, devices: group.members.map((a) => host.devices.get(a)).filter((d): d is HostDevice => d !== undefined) }));
  }, [host]);
  // what the guest holds matters to the list only under "free only": without it an edit of the guest
  // (a drop) keeps the list, and the cards past the first screenful stay (see `shown`)
  const placedFilter = onlyFree ? placed : null;
  const filtered = useMemo(() => {
    const q = query.trim().toLowerCase();
    const out: { group: IommuGroup; devices: HostDevice[] }[] = [];
    for (const { group: g, devices } of all) {
      if (q && !devices.some((d) => [d.address, d.productName, d.vendorName, d.driver, `group ${g.number}`].some((t) => t?.toLowerCase().includes(q)))) continue;
      if (placedFilter && devices.some((d) => placedFilter.has(d.address))) continue;
      if (guestFilter && !usage?.groups.get(g.number)?.has(guestFilter)) continue;
      out.push({ group: g, devices });
    }
    return out;
  }, [all, query, placedFilter, guestFilter, usage]);
  const groups = useSameList(filtered);
  // A new list (a design opened, a search typed, a filter changed) draws the cards of the first screenful at once and
  // the rest in a transition right after: the first frame of a large host (30 groups, 120 functions)
  // shows the design without building the cards nobody sees yet.
  const settled = useDeferredValue(groups);
  const shown = settled === groups ? groups : firstScreen(groups);
  return (
    <aside className="panel host" aria-label="Host IOMMU groups">
      <div className="panel-head">
        <h2>Host</h2>
        <span className="muted">{host ? `${host.groups.size} IOMMU groups · ${host.devices.size} devices` : 'no host imported'}</span>
      </div>
      {host ? (
        <Filters query={query} setQuery={setQuery} onlyFree={onlyFree} setOnlyFree={setOnlyFree} guestNames={several ? ws.guests.map((g) => g.name).join('\n') : ''} guestFilter={guestFilter} setByGuest={setByGuest} />
      ) : (
        <p className="muted pad">Import the host's node devices (virsh nodedev-dumpxml, or scripts/collect-host.sh) to see its IOMMU groups.</p>
      )}
      <div className="groups" ref={list}>
        {host && groups.length === 0 ? <p className="muted pad" data-testid="host-no-match">No IOMMU group matches{query.trim() ? ` “${query.trim()}”` : ''}{onlyFree ? ' among the free ones' : ''}{guestFilter ? ` used by ${guestFilter}` : ''}.</p> : null}
        {shown.map(({ group, devices }) => (
          <GroupCard key={group.number} group={group} devices={devices} inGuestMask={devices.map((d) => (placed.has(d.address) ? '1' : '0')).join('')} usage={usage?.groups.get(group.number)} deviceUsers={deviceUsers} colours={colours} />
        ))}
      </div>
      <p className="hint muted">Drag a group card onto a vPHB or port to pass the whole group through; drag a function by its ⠿ handle to pass it alone. Arrow keys move between cards, M moves the selected one, Shift+F10 opens its menu.</p>
    </aside>
  );
}
