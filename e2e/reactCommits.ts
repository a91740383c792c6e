/**
 * What each React commit rendered, read through the hook React DevTools use
 * (`__REACT_DEVTOOLS_GLOBAL_HOOK__.onCommitFiberRoot`): a component counts as rendered when its fiber
 * is new since the last commit and did work (React's PerformedWork flag, as DevTools' didFiberRender
 * decides). Shared by e2e/drop-renders.spec.ts (what a drop renders) and bench/trace-dom.mjs (a tool).
 */

/** A component rendered in a commit: its name (minified in a production build) and the class (or tag) of the element it returns itself, '' when it returns a component. */
export interface RenderedComponent {
  readonly name: string;
  readonly element: string;
}

export interface CommitRecord {
  /** performance.now() at the commit, ms */
  readonly at: number;
  readonly rendered: readonly RenderedComponent[];
}

/** The page's recorder: set `on` to record, clear `commits` to start over. */
export interface CommitRecorder {
  on: boolean;
  commits: CommitRecord[];
}

declare global {
  interface Window {
    __commits?: CommitRecorder;
  }
}

/**
 * A page init script (page.addInitScript(recordReactCommits, stopAt), before the app loads) that
 * defines `window.__commits`. Every commit is walked, recording or not, so "new since the last commit"
 * holds from the moment recording is turned on. `stopAt`: a selector; recording stops after the first
 * commit that leaves an element matching it in the document (the commit that shows what was awaited).
 * Self-contained: Playwright sends its source to the page.
 */
export function recordReactCommits(stopAt?: string): void {
  interface Fiber {
    type: unknown;
    flags: number;
    child: Fiber | null;
    sibling: Fiber | null;
    stateNode: unknown;
  }
  type Named = { displayName?: string; name?: string; type?: Named; render?: Named };
  const nameOf = (t: Named): string => t.displayName || t.name || t.type?.displayName || t.type?.name || t.render?.displayName || t.render?.name || '(anonymous)';
  const ownElement = (f: Fiber): string => (f.child && typeof f.child.type === 'string' ? ((f.child.stateNode as Element).getAttribute('class') ?? f.child.type) : '');
  const recorder: CommitRecorder = { on: false, commits: [] };
  window.__commits = recorder;
  let before = new Set<unknown>();
  (window as unknown as { __REACT_DEVTOOLS_GLOBAL_HOOK__: unknown }).__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
    supportsFiber: true,
    renderers: new Map(),
    inject: () => 1,
    onScheduleFiberRoot() {},
    onCommitFiberUnmount() {},
    onPostCommitFiberRoot() {},
    onCommitFiberRoot(_id: number, root: { current: Fiber }) {
      const seen = new Set<unknown>();
      const rendered: RenderedComponent[] = [];
      const walk = (first: Fiber | null) => {
        for (let f = first; f; f = f.sibling) {
          seen.add(f);
          if (recorder.on && f.type && typeof f.type !== 'string' && f.flags & 1 && !before.has(f)) rendered.push({ name: nameOf(f.type as Named), element: ownElement(f) });
          walk(f.child);
        }
      };
      walk(root.current.child);
      before = seen;
      if (!recorder.on) return;
      recorder.commits.push({ at: performance.now(), rendered });
      if (stopAt !== undefined && document.querySelector(stopAt)) recorder.on = false;
    },
  };
}
