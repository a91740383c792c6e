import { useEffect, useState, useSyncExternalStore } from 'react';
import type { Design } from '../engine/index.ts';
import { checkState, onChecked, type LazyVerdicts } from '../store/index.ts';
import { whenIdle } from './dnd.ts';

/**
 * Judges a "Move to…" list's targets in idle slices (as a drag does) and re-renders as they come.
 * A list opened while `design` is still being checked says "not judged yet" for each; once the check
 * lands (store/findings.ts onChecked) it forgets those and judges again, as a drag's targets are
 * (store/index.ts). On a heavy design the worker judges them and each answer re-renders the list.
 * Used by the inspector's and the context menu's lists.
 */
export function useLazyJudging(lazy: LazyVerdicts, design: Design): void {
  // a counter of slices judged, not the count of verdicts: after forget() a slice can bring the count
  // back to what it was, and React would skip that render, leaving the forgotten verdicts on screen
  const [, setSlices] = useState(0);
  const check = useSyncExternalStore(onChecked, () => checkState(design).state);
  useEffect(() => {
    if (check !== 'checking') lazy.forget();
    let cancel = () => {};
    const step = (budgetMs: number) => {
      const more = lazy.judgeSome(budgetMs);
      setSlices((n) => n + 1);
      if (more) cancel = whenIdle(step);
    };
    if (lazy.targets.length) cancel = whenIdle(step);
    // a heavy design's verdicts come from the worker (store/evaluate.ts judgeInWorker)
    const off = lazy.subscribe(() => setSlices((n) => n + 1));
    return () => {
      cancel();
      off();
      lazy.stop();
    };
  }, [lazy, check]);
}
