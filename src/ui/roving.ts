/**
 * Roving tabindex (WAI-ARIA Authoring Practices, "Keyboard Navigation Inside Components"): a region
 * is one Tab stop, and the arrow keys move focus between its items. Items are found by a selector,
 * so the host panel and the canvas's nodes (rendered by React Flow, mounted and unmounted as the view
 * moves) need no extra state: the current item keeps tabindex 0, every other -1.
 */
import { useEffect, type RefObject } from 'react';

const KEYS: Readonly<Record<string, 'next' | 'prev' | 'first' | 'last'>> = {
  ArrowDown: 'next',
  ArrowRight: 'next',
  ArrowUp: 'prev',
  ArrowLeft: 'prev',
  Home: 'first',
  End: 'last',
};

export interface RovingOptions {
  /** called after focus moved to `el` by an arrow key (the canvas pans to it) */
  readonly onMove?: ((el: HTMLElement) => void) | undefined;
  /** focus without scrolling: the canvas is a transformed pane that scrolling would shift */
  readonly preventScroll?: boolean | undefined;
}

/** Longest wait for an idle moment before a requested run (ms). */
const IDLE_TIMEOUT_MS = 200;

/**
 * `run` once the page is idle after `request()` (several requests, one run); `flush()` runs a pending
 * one now, `cancel()` drops it. Where there is no requestIdleCallback, a timeout of 0.
 */
export function idleTask(run: () => void): { readonly request: () => void; readonly flush: () => void; readonly cancel: () => void } {
  let cancelIt: (() => void) | null = null;
  const fire = () => {
    cancelIt = null;
    run();
  };
  return {
    request: () => {
      if (cancelIt) return;
      if (typeof requestIdleCallback === 'function') {
        const id = requestIdleCallback(fire, { timeout: IDLE_TIMEOUT_MS });
        cancelIt = () => cancelIdleCallback(id);
      } else {
        const id = setTimeout(fire, 0);
        cancelIt = () => clearTimeout(id);
      }
    },
    flush: () => {
      if (!cancelIt) return;
      cancelIt();
      fire();
    },
    cancel: () => {
      cancelIt?.();
      cancelIt = null;
    },
  };
}

export function useRovingFocus(ref: RefObject<HTMLElement | null>, selector: string, options: RovingOptions = {}): void {
  const { onMove, preventScroll = false } = options;
  useEffect(() => {
    const root = ref.current;
    if (!root) return;
    let current: HTMLElement | null = null;
    const items = (): HTMLElement[] => Array.from(root.querySelectorAll<HTMLElement>(selector));
    const normalize = () => {
      const all = items();
      if (!current || !current.isConnected || !all.includes(current)) current = all.find((el) => el.tabIndex === 0 && el === document.activeElement) ?? all[0] ?? null;
      for (const el of all) {
        const want = el === current ? 0 : -1;
        if (el.tabIndex !== want) el.tabIndex = want;
      }
    };
    const onFocusIn = (e: FocusEvent) => {
      const el = e.target instanceof HTMLElement ? e.target : null;
      if (!el?.matches(selector) || el === current) return;
      if (current?.isConnected) current.tabIndex = -1;
      current = el;
      el.tabIndex = 0;
    };
    const onKeyDown = (e: KeyboardEvent) => {
      const dir = KEYS[e.key];
      const el = e.target instanceof HTMLElement ? e.target : null;
      if (!dir || !el?.matches(selector) || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
      const all = items();
      const i = all.indexOf(el);
      const next = dir === 'first' ? all[0] : dir === 'last' ? all[all.length - 1] : all[i + (dir === 'next' ? 1 : -1)];
      e.preventDefault();
      if (!next) return;
      next.focus({ preventScroll });
      onMove?.(next);
    };
    // Items come and go with every edit (a drop moves chips and rows): their tab stops are set again
    // when the page is idle, not in the frame after the edit, which is the frame that shows a drop's
    // result (DESIGN.md §7: querying and walking the canvas' items cost that frame ~0.5 ms). A Tab
    // pressed before then sets them first: its default action reads them.
    const pending = idleTask(normalize);
    const onTab = (e: KeyboardEvent) => {
      if (e.key === 'Tab') pending.flush();
    };
    const observer = new MutationObserver(pending.request);
    normalize();
    observer.observe(root, { childList: true, subtree: true });
    root.addEventListener('focusin', onFocusIn);
    root.addEventListener('keydown', onKeyDown);
    document.addEventListener('keydown', onTab, true);
    return () => {
      pending.cancel();
      observer.disconnect();
      root.removeEventListener('focusin', onFocusIn);
      root.removeEventListener('keydown', onKeyDown);
      document.removeEventListener('keydown', onTab, true);
    };
  }, [ref, selector, onMove, preventScroll]);
}

/**
 * onKeyDown for an element with role="button" that is not a <button>: Enter and Space activate it,
 * as they do a native button (WAI-ARIA button pattern).
 */
export function onEnterOrSpace(activate: () => void): (e: { key: string; preventDefault: () => void }) => void {
  return (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      activate();
    }
  };
}
