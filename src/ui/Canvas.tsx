import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { BaseEdge, MiniMap, ReactFlow, useReactFlow, useStore, useStoreApi, type EdgeProps, type EdgeTypes, type NodeTypes, type ReactFlowState, type Viewport } from '@xyflow/react';
import type { Design, Guest } from '../engine/index.ts';
import { designerStore, useDesigner } from '../store/index.ts';
import { BoxSelect } from './BoxSelect.tsx';
import { CanvasBar } from './CanvasBar.tsx';
import { registerCanvasApi } from './canvasApi.ts';
import { ControllerNode } from './ControllerNode.tsx';
import { busOwner, changedNodes, createLayoutMemory, FIT_PADDING, FULL_MIN_ZOOM, lodAt, MAX_FIT_ZOOM, nodeIdOf, planFit, planFitColumns, unionOf, type Lod, type Point, type Rect, type Size, type TrunkFlowEdge, type ViewPlan } from './layout.ts';
import { RemoveZone } from './RemoveZone.tsx';
import { UnplacedTray } from './UnplacedTray.tsx';
import { AddedAtDefineStrip } from './AddedAtDefine.tsx';
import { createTileZoom, followZoom, pageSchedule, TileZoomContext } from './tileZoom.ts';
import { nodeWeights, SLICE_DEVICES, sliced, sliceEnds, usePrepared, useSlicedCount } from './slicing.ts';

/** A bus's edge to what is plugged into it: down its indent, along the gap above the child's row, down into the child. */
function TrunkEdge({ id, sourceX, sourceY, targetX, targetY, data, style }: EdgeProps<TrunkFlowEdge>) {
  const bus = targetY - (data?.busOffset ?? 20);
  return <BaseEdge id={id} path={`M${sourceX},${sourceY} V${bus} H${targetX} V${targetY}`} style={style} />;
}

// Module scope: a new object per render would remount every node (xyflow#1620).
const nodeTypes: NodeTypes = { controller: ControllerNode };
const edgeTypes: EdgeTypes = { trunk: TrunkEdge };
const proOptions = { hideAttribution: true };
const minimapColor = () => '#5b7fd6';
const NO_POINTER: Point | null = null;
// Nodes that are neither selectable nor draggable get pointer-events: none unless a click handler
// exists; ours handle their own clicks and drags inside, so a no-op keeps them interactive.
const onNodeClick = () => {};
/** How long a view change animates when it only pans (a change of detail level never animates). */
const PAN_MS = 200;

const viewportFor = (rect: Rect, zoom: number, view: Size): Viewport => ({
  x: view.width / 2 - (rect.x + rect.width / 2) * zoom,
  y: view.height / 2 - (rect.y + rect.height / 2) * zoom,
  zoom,
});

/** Is `rect` (flow units) wholly on screen in this viewport? */
function inView(rect: Rect, v: Viewport, view: Size): boolean {
  const x0 = rect.x * v.zoom + v.x;
  const y0 = rect.y * v.zoom + v.y;
  return x0 >= 0 && y0 >= 0 && x0 + rect.width * v.zoom <= view.width && y0 + rect.height * v.zoom <= view.height;
}

/** The nodes holding the selection: the selected controller, or the buses of the selected devices. */
function selectionNodes(design: Design): string[] {
  const st = designerStore.getState();
  const sel = st.selection;
  const ids = new Set<string>();
  if (sel?.kind === 'controller') ids.add(nodeIdOf({ key: sel.key }));
  const keys = new Set(st.selectedDevices);
  if (sel?.kind === 'device') keys.add(sel.key);
  for (const d of design.guest.devices) {
    if (!keys.has(d.key) || !d.address) continue;
    const owner = busOwner(design.guest, d.address.bus);
    if (owner) ids.add(nodeIdOf({ key: owner }));
  }
  return [...ids];
}

const zoomOf = (s: ReactFlowState) => s.transform[2];

/** When the window last changed size: a canvas resized with the window gets its grid re-planned. */
let lastWindowResize = -Infinity;
if (typeof window !== 'undefined') window.addEventListener('resize', () => (lastWindowResize = performance.now()));

interface FlowProps {
  readonly guest: Guest;
  readonly view: Size;
  readonly container: React.RefObject<HTMLDivElement | null>;
}

/**
 * The React Flow canvas of one document (Canvas remounts it when the document is replaced, which
 * fits the new design). The view state lives here: the level of detail, the grid's columns, the
 * layout's origin, and whether the user has moved the view since the last fit.
 */
const Flow = memo(function Flow({ guest, view, container }: FlowProps) {
  const rf = useReactFlow();
  const rfStore = useStoreApi();
  const [memory] = useState(createLayoutMemory);
  // the first view: planned for this canvas before anything is drawn, so the first frame is the fitted one
  const [start] = useState(() => {
    const p = planFit(guest, view);
    const l = createLayoutMemory().peek(guest, { lod: p.lod, columns: p.columns, deviceRows: p.deviceRows, origin: { x: 0, y: 0 } });
    return { plan: { lod: p.lod, columns: p.columns, deviceRows: p.deviceRows, origin: { x: 0, y: 0 } } as ViewPlan, viewport: viewportFor({ x: 0, y: 0, width: l.width, height: l.height }, p.zoom, view) };
  });
  const [plan, setPlan] = useState<ViewPlan>(start.plan);
  // the zoom tiles are laid out for, from the first view on (tileZoom.ts)
  const [tileZoom] = useState(() => createTileZoom(start.viewport.zoom));
  // the release the design is set to: where libvirt plugs in the controllers the XML leaves unaddressed follows it (layout.ts shownControllers)
  const release = useDesigner((s) => s.present?.libvirtVersion);
  const layout = useMemo(() => memory.layout(guest, plan, release), [memory, guest, plan, release]);
  const bounds = useMemo(() => unionOf([...layout.boxes.values()]), [layout]);

  // What the callbacks below read: the latest values without re-subscribing on every change.
  // fittedFor: the canvas size the view was last fitted to; a resize refits when the size differs from it
  const live = useRef({ guest, view, plan, layout, userMoved: false, edited: false, fittedFor: view, pointer: NO_POINTER as Point | null, panUntil: 0, target: null as Viewport | null });
  useLayoutEffect(() => {
    live.current.guest = guest;
    live.current.view = view;
    live.current.plan = plan;
    live.current.layout = layout;
  }, [guest, view, plan, layout]);

  const applyPlan = useCallback((next: ViewPlan) => {
    live.current.plan = next;
    setPlan(next);
  }, []);

  /** The viewport now, or the one an animation under way is heading to. */
  const viewportNow = useCallback((): Viewport => {
    const l = live.current;
    if (l.target && performance.now() < l.panUntil) return l.target;
    const [x, y, zoom] = rfStore.getState().transform;
    return { x, y, zoom };
  }, [rfStore]);

  const setView = useCallback(
    (v: Viewport, animate: boolean) => {
      live.current.target = v;
      live.current.panUntil = animate ? performance.now() + PAN_MS : 0;
      void rf.setViewport(v, animate ? { duration: PAN_MS } : undefined);
    },
    [rf],
  );

  /** The whole design at the level of detail and column count that suit the canvas; tidies the grids when asked. */
  const fitAll = useCallback(
    (how: 'tidy' | 'replan' | 'keep-columns') => {
      const l = live.current;
      // the grid is re-planned for the canvas' shape on a fit the user asks for, on a window resize
      // and before the first edit; a change of the canvas inside the window after edits (the tray
      // emptying as its devices are placed, a drawer) keeps it
      const p = how === 'keep-columns' ? planFitColumns(l.guest, l.view, l.plan.columns) : planFit(l.guest, l.view);
      if (how === 'tidy') memory.forget();
      const next: ViewPlan = { lod: p.lod, columns: p.columns, deviceRows: p.deviceRows, origin: { x: 0, y: 0 } };
      const laid = memory.peek(l.guest, next);
      applyPlan(next);
      l.userMoved = false;
      l.edited = false;
      l.fittedFor = l.view;
      setView(viewportFor({ x: 0, y: 0, width: laid.width, height: laid.height }, p.zoom, l.view), false);
    },
    [memory, applyPlan, setView],
  );

  /**
   * Shows the nodes `ids`. 'follow' (an edit, a finding): nothing moves when they are on screen
   * already, a pan when they fit at this zoom, else the least zoom-out that shows them. 'fit': zoomed
   * to them (Shift+2).
   */
  const showNodes = useCallback(
    (ids: readonly string[], how: 'follow' | 'fit', busesAdded = true) => {
      const l = live.current;
      // the document now (the render that lays it out may not have run yet)
      const guest = designerStore.getState().present?.design.guest ?? l.guest;
      // a grid that outgrew its columns (buses added) gets as many as the canvas' aspect asks for;
      // never fewer. An edit that added no bus keeps the grid: planning it afresh lays the design out
      // once per column count, more than a drop's whole frame (DESIGN.md §7)
      const wanted = how === 'follow' && busesAdded ? planFit(guest, l.view).columns : l.plan.columns;
      const plan: ViewPlan = wanted > l.plan.columns ? { ...l.plan, columns: wanted } : l.plan;
      // the layout drawn now when it is this one (the render after an edit has run), else laid out here
      const laidOut = (p: ViewPlan) => (p === l.plan && l.guest === guest ? l.layout : memory.peek(guest, p));
      const boxesOf = (p: ViewPlan) => {
        const laid = laidOut(p);
        return unionOf(ids.flatMap((id) => {
          const r = laid.boxes.get(id);
          return r ? [r] : [];
        }));
      };
      const here = boxesOf(plan);
      if (!here) return;
      if (plan !== l.plan) applyPlan(plan);
      const v = viewportNow();
      const padded = { width: l.view.width - 2 * FIT_PADDING, height: l.view.height - 2 * FIT_PADDING };
      if (how === 'follow') {
        if (inView(here, v, l.view)) return;
        if (here.width * v.zoom <= padded.width && here.height * v.zoom <= padded.height) {
          setView(viewportFor(here, v.zoom, l.view), true);
          return;
        }
      }
      const fits = (r: Rect) => Math.min(padded.width / r.width, padded.height / r.height);
      const full = plan.lod === 'full' ? here : boxesOf({ ...plan, lod: 'full' });
      const zFull = full ? Math.min(fits(full), how === 'follow' ? v.zoom : MAX_FIT_ZOOM) : 0;
      let lod: Lod = 'full';
      let rect = full;
      let zoom = zFull;
      if (!full || zFull < FULL_MIN_ZOOM) {
        lod = 'tile';
        rect = plan.lod === 'tile' ? here : boxesOf({ ...plan, lod: 'tile' });
        zoom = rect ? Math.min(fits(rect), FULL_MIN_ZOOM - 0.01) : v.zoom;
      }
      if (!rect) return;
      if (lod !== plan.lod) applyPlan({ ...plan, lod });
      setView(viewportFor(rect, zoom, l.view), lod === plan.lod);
    },
    [memory, applyPlan, setView, viewportNow],
  );

  // Crossing the detail threshold while zooming: re-lay out at the other level of detail, moving the
  // layout (not the view) so the point under the pointer stays on the same box. The view is left
  // alone because d3-zoom keeps zooming around the flow point it took at the gesture's start.
  // Tiles are laid out for the zoom once it rests (tileZoom.ts): a zoom under way only scales them.
  useEffect(() => {
    let lastZoom = zoomOf(rfStore.getState());
    const follow = followZoom(tileZoom, pageSchedule);
    follow.now(lastZoom);
    const unsubscribe = rfStore.subscribe((s) => {
      const l = live.current;
      if (zoomOf(s) === lastZoom) return;
      const from = lodAt(lastZoom);
      lastZoom = zoomOf(s);
      const lod = lodAt(lastZoom);
      // tiles about to be drawn (the zoom crossed into them: a gesture, a fit) are laid out for this
      // zoom at once, not first for the one the view last rested at in full detail
      if (lod === 'tile' && from === 'full') follow.now(lastZoom);
      else follow.changed(lastZoom);
      if (lod === l.plan.lod) return;
      const [x, y, zoom] = s.transform;
      const anchor = l.pointer ?? { x: l.view.width / 2, y: l.view.height / 2 };
      const p = { x: (anchor.x - x) / zoom, y: (anchor.y - y) / zoom };
      let best: [string, Rect] | undefined;
      let bestD = Infinity;
      for (const [id, r] of l.layout.boxes) {
        const dx = Math.max(r.x - p.x, 0, p.x - (r.x + r.width));
        const dy = Math.max(r.y - p.y, 0, p.y - (r.y + r.height));
        const d = dx * dx + dy * dy;
        if (d < bestD) [best, bestD] = [[id, r], d];
      }
      const next: ViewPlan = { ...l.plan, lod };
      if (best) {
        const [id, a] = best;
        const b = memory.peek(l.guest, next).boxes.get(id);
        if (b) {
          const rel = { x: Math.min(1, Math.max(0, (p.x - a.x) / a.width)), y: Math.min(1, Math.max(0, (p.y - a.y) / a.height)) };
          const q = { x: b.x + rel.x * b.width, y: b.y + rel.y * b.height };
          applyPlan({ ...next, origin: { x: next.origin.x + p.x - q.x, y: next.origin.y + p.y - q.y } });
          return;
        }
      }
      applyPlan(next);
    });
    return () => {
      follow.stop();
      unsubscribe();
    };
  }, [rfStore, memory, applyPlan, tileZoom]);

  // The pointer, for zoom anchoring (pane coordinates).
  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const move = (e: PointerEvent) => {
      const r = el.getBoundingClientRect();
      live.current.pointer = { x: e.clientX - r.left, y: e.clientY - r.top };
    };
    const leave = () => {
      live.current.pointer = null;
    };
    el.addEventListener('pointermove', move, { passive: true });
    el.addEventListener('pointerleave', leave);
    return () => {
      el.removeEventListener('pointermove', move);
      el.removeEventListener('pointerleave', leave);
    };
  }, [container]);

  // The view follows an edit to what it created or moved; store focus requests (a finding's subjects,
  // a new bus) the same way.
  useEffect(() => {
    return designerStore.subscribe((s, prev) => {
      const g = s.present?.design.guest;
      const before = prev.present?.design.guest;
      if (s.focus && s.focus !== prev.focus) {
        const ids = s.focus.nodeIds;
        requestAnimationFrame(() => showNodes(ids, 'follow'));
      } else if (g && before && g !== before && s.present?.design.source === prev.present?.design.source) {
        live.current.edited = true;
        // what changed is found in the frame that follows the edit, not in the edit's own task: a drop's
        // frame shows its result first (DESIGN.md §7; ~0.2 ms of the 31-vPHB drop)
        requestAnimationFrame(() => {
          const ids = changedNodes(before, g);
          if (ids.length) showNodes(ids, 'follow', g.controllers.length > before.controllers.length);
        });
      }
    });
  }, [showNodes]);

  // A new canvas size (window resize, the XML drawer opening) refits unless the user has moved the view.
  // The size compared is the one of the last fit, not of the first view: after a zoom, a resize and
  // a Fit (Shift+1), going back to the first size is a new size for the fitted view.
  useEffect(() => {
    const fitted = live.current.fittedFor;
    if (!live.current.userMoved && (view.width !== fitted.width || view.height !== fitted.height)) {
      live.current.fittedFor = view;
      // before any edit (the tray appearing with an imported design) the grid is planned afresh too
      const id = requestAnimationFrame(() => fitAll(performance.now() - lastWindowResize < 1000 || !live.current.edited ? 'replan' : 'keep-columns'));
      return () => cancelAnimationFrame(id);
    }
    return undefined;
  }, [view, fitAll]);

  useEffect(
    () =>
      registerCanvasApi({
        zoomIn: () => {
          live.current.userMoved = true;
          void rf.zoomIn({ duration: PAN_MS });
        },
        zoomOut: () => {
          live.current.userMoved = true;
          void rf.zoomOut({ duration: PAN_MS });
        },
        fitAll: () => fitAll('tidy'),
        fitSelection: () => {
          const d = designerStore.getState().present?.design;
          const ids = d ? selectionNodes(d) : [];
          if (ids.length) {
            live.current.userMoved = true;
            showNodes(ids, 'fit');
          }
        },
        fitNodes: (ids) => {
          if (ids.length === 0) return;
          live.current.userMoved = true;
          showNodes(ids, 'fit');
        },
      }),
    [rf, fitAll, showNodes],
  );

  const onMoveStart = useCallback((e: MouseEvent | TouchEvent | null) => {
    if (e) live.current.userMoved = true;
  }, []);

  // the minimap shows where the view is once the design no longer fits in it
  const showMinimap = useStore(
    useCallback(
      (s: ReactFlowState) => {
        const [x, y, z] = s.transform;
        return !!bounds && !inView(bounds, { x, y, zoom: z }, { width: s.width, height: s.height });
      },
      [bounds],
    ),
  );

  // The same element while what it is made of stays: an edit that renews no node or edge (a drop on
  // tiles, whose nodes name their counts themselves) then renders none of React Flow's own components
  const onlyVisible = plan.lod === 'full' && layout.nodes.length > 12;
  // a big design's nodes are drawn a few buses a task (slicing.ts), in layout order, the edges with them
  const [ends] = useState(() => (sliced(guest) ? sliceEnds(nodeWeights(guest, layout.nodes), SLICE_DEVICES) : []));
  const drawn = useSlicedCount(layout.nodes.length, ends);
  const nodes = useMemo(() => (drawn >= layout.nodes.length ? layout.nodes : layout.nodes.slice(0, drawn)), [layout.nodes, drawn]);
  const edges = useMemo(() => {
    if (nodes === layout.nodes) return layout.edges;
    const ids = new Set(nodes.map((n) => n.id));
    return layout.edges.filter((e) => ids.has(e.source) && ids.has(e.target));
  }, [nodes, layout.nodes, layout.edges]);
  return useMemo(
    () => (
      <TileZoomContext.Provider value={tileZoom}>
        <ReactFlow
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          edgeTypes={edgeTypes}
          nodesDraggable={false}
          nodesConnectable={false}
          elementsSelectable={false}
          // the tree is one Tab stop with arrow keys inside (roving.ts on the controllers' heads and
          // devices): React Flow's own focusable wrappers would add a stop per node and edge that does nothing here
          nodesFocusable={false}
          edgesFocusable={false}
          selectionKeyCode={null}
          onNodeClick={onNodeClick}
          onMoveStart={onMoveStart}
          defaultViewport={start.viewport}
          minZoom={0.1}
          maxZoom={2}
          proOptions={proOptions}
          onlyRenderVisibleElements={onlyVisible}
        >
          {showMinimap ? <MiniMap pannable zoomable ariaLabel="Mini map of the topology" nodeColor={minimapColor} nodeStrokeWidth={0} data-testid="minimap" /> : null}
        </ReactFlow>
      </TileZoomContext.Provider>
    ),
    [nodes, edges, onMoveStart, start.viewport, onlyVisible, showMinimap, tileZoom],
  );
});

/** A stable number per imported document: the canvas remounts (and fits) when the document is replaced. */
const docIds = new WeakMap<object, number>();
let nextDocId = 0;
function docId(source: object | undefined): number {
  if (!source) return -1;
  let id = docIds.get(source);
  if (id === undefined) {
    id = nextDocId++;
    docIds.set(source, id);
  }
  return id;
}

/**
 * The Flow of the open document. Its own component so that an edit (a new guest) renders the flow
 * alone, not the canvas around it: the bar, the tray, box select and the remove zone follow the
 * store by their own subscriptions.
 */
function DocumentFlow({ view, container }: { view: Size; container: React.RefObject<HTMLDivElement | null> }) {
  const guest = useDesigner((s) => s.present?.design.guest);
  const source = useDesigner((s) => s.present?.design.source);
  // a big design's define runs first, in a task of its own (slicing.ts)
  const prepared = usePrepared(source, guest);
  return guest && prepared ? <Flow key={docId(source)} guest={guest} view={view} container={container} /> : null;
}

export function Canvas() {
  const flowRef = useRef<HTMLDivElement>(null);
  const [view, setView] = useState<Size | null>(null);
  useLayoutEffect(() => {
    const el = flowRef.current;
    if (!el) return;
    let frame = 0;
    const measure = () => {
      const r = el.getBoundingClientRect();
      setView((v) => (v && v.width === Math.round(r.width) && v.height === Math.round(r.height) ? v : { width: Math.round(r.width), height: Math.round(r.height) }));
    };
    measure();
    const ro = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(measure);
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      cancelAnimationFrame(frame);
    };
  }, []);
  return (
    <div className="canvas" aria-label="Guest PCI topology" role="region">
      <CanvasBar />
      <UnplacedTray />
      <AddedAtDefineStrip />
      <div className="flow" ref={flowRef}>
        {view && view.width > 0 && view.height > 0 ? <DocumentFlow view={view} container={flowRef} /> : null}
        <BoxSelect container={flowRef} />
        <RemoveZone />
      </div>
    </div>
  );
}
