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
    let frame = 0;
    const observer = new MutationObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(normalize);
    });
    normalize();
    observer.observe(root, { childList: true, subtree: true });
    root.addEventListener('focusin', onFocusIn);
    root.addEventListener('keydown', onKeyDown);
    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
      root.removeEventListener('focusin', onFocusIn);
      root.removeEventListener('keydown', onKeyDown);
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
