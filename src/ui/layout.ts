/**
 * toFlow: a pure projection of the guest's PCI controllers onto React Flow nodes and edges. Each
 * controller is one node (its bus: slots and the devices on them); edges go from a bus to the
 * controllers plugged into it. Deterministic: the same guest always gives the same picture.
 */
import type { Edge, Node } from '@xyflow/react';
import type { Guest, PciController } from '../engine/index.ts';
import { busModel, controllerName, isPhb, machineFamily } from '../engine/index.ts';

export const NODE_WIDTH = 300;
const COL_GAP = 80;
const ROW_GAP = 40;
const SLOT_COLUMNS = 8;

export type ControllerNodeData = { key: string };
export type ControllerFlowNode = Node<ControllerNodeData, 'controller'>;

/** What a controller is, in the words the canvas uses. */
export function controllerKindLabel(c: PciController): string {
  if (isPhb(c)) return 'vPHB';
  switch (c.model) {
    case 'pcie-root':
      return 'PCIe root';
    case 'pci-root':
      return 'PCI root';
    case 'pcie-root-port':
      return 'Root port';
    case 'pcie-switch-upstream-port':
      return 'Switch upstream';
    case 'pcie-switch-downstream-port':
      return 'Switch downstream';
    case 'pci-bridge':
      return 'PCI bridge';
    case 'pcie-to-pci-bridge':
      return 'PCIe-to-PCI bridge';
    case 'dmi-to-pci-bridge':
      return 'DMI-to-PCI bridge';
    default:
      return c.model;
  }
}

export const nodeIdOf = (c: Pick<PciController, 'key'>): string => `n:${c.key}`;

/** Devices on each bus, computed once per guest object so node selectors return stable arrays. */
const busCache = new WeakMap<Guest, Map<number, Guest['devices'][number][]>>();
export function devicesByBus(guest: Guest): ReadonlyMap<number, readonly Guest['devices'][number][]> {
  let m = busCache.get(guest);
  if (!m) {
    m = new Map();
    for (const d of guest.devices) {
      if (!d.address) continue;
      const list = m.get(d.address.bus) ?? [];
      list.push(d);
      m.set(d.address.bus, list);
    }
    for (const list of m.values()) list.sort((a, b) => (a.address?.slot ?? 0) - (b.address?.slot ?? 0) || (a.address?.function ?? 0) - (b.address?.function ?? 0));
    busCache.set(guest, m);
  }
  return m;
}

export const NO_DEVICES: readonly Guest['devices'][number][] = [];

/** Estimated rendered height; the CSS keeps rows at these sizes so nodes do not overlap. */
export function estimateHeight(c: PciController, deviceCount: number): number {
  const m = busModel(c);
  const slots = m ? m.maxSlot - m.minSlot + 1 : 0;
  const slotRows = Math.ceil(slots / SLOT_COLUMNS);
  return 78 + slotRows * 28 + Math.max(1, deviceCount) * 30 + 16;
}

export function toFlow(guest: Guest): { nodes: ControllerFlowNode[]; edges: Edge[] } {
  const controllers = [...guest.controllers].sort((a, b) => (a.index ?? 999) - (b.index ?? 999) || a.key.localeCompare(b.key));
  const byIndex = new Map<number, PciController>();
  for (const c of controllers) if (c.index !== undefined && !byIndex.has(c.index)) byIndex.set(c.index, c);
  const parentOf = (c: PciController): PciController | undefined => {
    const bus = c.address?.bus;
    if (bus === undefined || bus === c.index) return undefined;
    return byIndex.get(bus);
  };
  const children = new Map<string, PciController[]>();
  const roots: PciController[] = [];
  for (const c of controllers) {
    const p = parentOf(c);
    if (p) {
      const list = children.get(p.key) ?? [];
      list.push(c);
      children.set(p.key, list);
    } else roots.push(c);
  }
  const byBus = devicesByBus(guest);
  const heightOf = (c: PciController) => estimateHeight(c, c.index === undefined ? 0 : (byBus.get(c.index)?.length ?? 0));

  const nodes: ControllerFlowNode[] = [];
  const edges: Edge[] = [];
  const push = (c: PciController, x: number, y: number) => {
    const devices = c.index === undefined ? 0 : (byBus.get(c.index)?.length ?? 0);
    // the name screen readers give the node (React Flow puts it on the focusable node wrapper)
    const ariaLabel = `${controllerKindLabel(c)} ${c.index ?? '(no index)'}, ${devices === 0 ? 'no devices' : `${devices} device${devices === 1 ? '' : 's'}`}`;
    nodes.push({ id: nodeIdOf(c), type: 'controller', position: { x, y }, data: { key: c.key }, draggable: false, selectable: false, ariaLabel });
  };

  const anyChildren = children.size > 0;
  const family = machineFamily(guest);
  if (machineFamily(guest) === 'pseries' && !anyChildren) {
    // vPHBs are peers: lay them out as a grid of containers, three to a row.
    const perRow = 3;
    let y = 0;
    for (let i = 0; i < roots.length; i += perRow) {
      const row = roots.slice(i, i + perRow);
      row.forEach((c, j) => push(c, j * (NODE_WIDTH + COL_GAP), y));
      y += Math.max(...row.map(heightOf)) + ROW_GAP;
    }
    return { nodes, edges };
  }

  // Tree: depth to the right, subtrees stacked downwards.
  const visited = new Set<string>();
  const place = (c: PciController, depth: number, top: number): number => {
    visited.add(c.key);
    const kids = (children.get(c.key) ?? []).filter((k) => !visited.has(k.key));
    let y = top;
    for (const k of kids) {
      // React Flow names an edge by its node ids (internal keys) unless told: name the buses instead
      edges.push({ id: `e:${c.key}->${k.key}`, source: nodeIdOf(c), target: nodeIdOf(k), type: 'smoothstep', ariaLabel: `${controllerName(k, family)} plugs into ${controllerName(c, family)}` });
      y = place(k, depth + 1, y);
    }
    const own = heightOf(c) + ROW_GAP;
    push(c, depth * (NODE_WIDTH + COL_GAP), top);
    return Math.max(y, top + own);
  };
  let top = 0;
  for (const r of roots) top = place(r, 0, top);
  return { nodes, edges };
}

/**
 * What a bus carries from the host, in the right words: on a pseries vPHB the host IOMMU groups
 * are its guest PE (PAPR); on PCIe ports and bridges they are plain IOMMU groups. A vPHB with no
 * device at all is a spare (hotplug lands there), not a home for emulated devices.
 */
export function groupsLabel(phb: boolean, groups: ReadonlySet<number>, hasDevices = true): string {
  const list = [...groups].sort((a, b) => a - b).join(', ');
  const noun = `group${groups.size > 1 ? 's' : ''}`;
  if (!phb) return `IOMMU ${noun} ${list}`;
  if (groups.size > 0) return `PE: host ${noun} ${list}`;
  return hasDevices ? 'PE: none (emulated devices only)' : 'PE: none (empty: spare for hotplug)';
}
