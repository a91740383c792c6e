/**
 * The first drawing of a big design, in slices (issue 11: no design freezes the tab). Drawing a
 * design is done in one task per React commit; a q35 guest with 15,376 NICs on 124 buses drew in one
 * task of ~370 ms of CPU (define run for what libvirt adds, ~120 ms; every tile with its chips), and
 * laid them out in one more. A design with more than SLICE_DEVICES PCI devices is drawn instead in
 * steps, each its own task after a frame: what libvirt adds at define first (layout.ts addedAtDefine,
 * which the layout and the "Added by libvirt" strip read), then the canvas' nodes, in their layout
 * order, up to SLICE_DEVICES devices a step. A design of that size or less is drawn at once, as
 * before (DESIGN.md §7's first renders are of 122 and 1,000 devices).
 */
import { useDeferredValue, useEffect, useState, useSyncExternalStore } from 'react';
import type { Guest } from '../engine/index.ts';
import { addedAtDefine, busOwner, devicesByBus, pciDevices, shownControllers, type ControllerFlowNode } from './layout.ts';

/** PCI devices drawn in one step (a tile's chips and rows: ~20 ms of a step's CPU per 1,000) */
export const SLICE_DEVICES = 2000;

/** Whether a guest is drawn in slices. */
export const sliced = (guest: Guest): boolean => pciDevices(guest).length > SLICE_DEVICES;

/**
 * Where each step ends: prefix lengths of `weights` (a node's devices, or 1 for one with none) that
 * add up to at most `budget` each, a node heavier than the budget a step of its own; the last is
 * `weights.length`. [] for no nodes.
 */
export function sliceEnds(weights: readonly number[], budget: number): number[] {
  const ends: number[] = [];
  let sum = 0;
  weights.forEach((w, i) => {
    const cost = Math.max(1, w);
    if (sum > 0 && sum + cost > budget) {
      ends.push(i);
      sum = 0;
    }
    sum += cost;
  });
  if (weights.length) ends.push(weights.length);
  return ends;
}

/** Each node's weight for sliceEnds: the devices on its bus as the canvas draws them. */
export function nodeWeights(guest: Guest, nodes: readonly ControllerFlowNode[]): number[] {
  const byBus = devicesByBus(guest);
  const byKey = shownControllers(guest).byKey;
  return nodes.map((n) => {
    const i = byKey.get(n.data.key)?.index;
    return i === undefined || busOwner(guest, i) !== n.data.key ? 0 : (byBus.get(i)?.length ?? 0);
  });
}

/** Runs `fn` in a task of its own after the next frame (so what the last step drew is laid out and painted in that frame). */
export function afterFrame(fn: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const frame = requestAnimationFrame(() => (timer = setTimeout(fn, 0)));
  return () => {
    cancelAnimationFrame(frame);
    if (timer !== undefined) clearTimeout(timer);
  };
}

/** Documents (a design's source: edits keep it) whose first guest's define ran in a task of its own. */
const prepared = new WeakSet<object>();
const asked = new WeakSet<object>();
const listeners = new Set<() => void>();
const subscribe = (fn: () => void) => {
  listeners.add(fn);
  return () => listeners.delete(fn);
};

/**
 * Whether the canvas of a document may be drawn: at once for a guest drawn whole; for a sliced one
 * once what libvirt adds at define is known for the guest it opened with, computed in a task of its
 * own (started by the first ask), so the define run is not in the task that draws the canvas. Its
 * edits are drawn at once (an edit's define is its own, and usually reuses the last: layout.ts).
 */
export function usePrepared(source: object | undefined, guest: Guest | undefined): boolean {
  const ready = useSyncExternalStore(subscribe, () => !source || !guest || prepared.has(source) || !sliced(guest));
  useEffect(() => {
    if (!source || !guest || ready || asked.has(source)) return;
    asked.add(source);
    afterFrame(() => {
      addedAtDefine(guest);
      prepared.add(source);
      for (const fn of listeners) fn();
    });
  }, [source, guest, ready]);
  return ready;
}

/**
 * How many of `count` nodes to draw now: all for a design drawn whole; for a sliced one, the end of
 * the step drawn so far (`ends`, sliceEnds of the nodes' weights, taken when the canvas mounts), one
 * step more after each frame until all are drawn. Later renders (edits) draw all.
 */
export function useSlicedCount(count: number, ends: readonly number[]): number {
  const [step, setStep] = useState(0);
  const done = step >= ends.length - 1;
  useEffect(() => (done ? undefined : afterFrame(() => setStep((s) => s + 1))), [done, step]);
  return done ? count : Math.min(count, ends[step] ?? count);
}

/**
 * `value`, or when `lazy` its last value until React has rendered the new one in the background
 * (useDeferredValue: a render React cuts into ~5 ms pieces between which the page answers). What a
 * check's answer changes on a big design (the badges of 15,376 chips, 17,301 findings) then renders
 * in slices instead of in the task that brings the answer. Not lazy, the value shows in the render
 * that changed it, as a drop on the 31-vPHB design must (DESIGN.md §7: its findings in one frame).
 */
export function useLazyValue<T>(value: T, lazy: boolean): T {
  const deferred = useDeferredValue(lazy ? value : undefined);
  return lazy && deferred !== undefined ? deferred : value;
}
