/**
 * The clean-shutdown mark. Every open tab is listed under TABS_KEY from its start until its page is
 * hidden for good (pagehide); a tab that crashed, or hangs, never takes itself off. A new tab asks the
 * listed ones over a BroadcastChannel whether they are alive: the ones that do not answer within
 * `answerMs` did not shut down cleanly, and the design they left is not opened blindly (issue 11,
 * case h02: a design that crashed the tab must not crash every later visit).
 */
import { storage } from './persistence.ts';

export const TABS_KEY = 'pcitopo:tabs:v1';
const CHANNEL = 'pcitopo:tabs';

type Ping = { readonly type: 'ping' | 'pong'; readonly from: string };

export const tabId: string = globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random()}`;

/** Where a tab notes its id for its next load: sessionStorage outlives a reload of that tab, and only that tab reads it. */
const TAB_KEY = 'pcitopo:tab';

/**
 * The id this tab had before it was reloaded (null on a first load, or without sessionStorage): the
 * autosave names the tab that wrote it, so a reload can tell another tab's design from its own, and
 * find its own among the kept designs (saved.ts keeps it as `tab-<id>` when another tab saves over it).
 */
export const previousTabId: string | null = notePreviousTab();

/** Where a tab notes the fingerprint of the design it last autosaved (saved.ts fingerprint, a kept entry's `sig`). */
const DESIGN_KEY = 'pcitopo:tab-design';

/**
 * The fingerprint of the design this tab last autosaved before it was reloaded: found among the
 * kept designs however it got there (kept as this tab's entry when another tab saved over it, or as
 * the design another tab replaced when it restored its own), it is this tab's own design.
 */
export const previousTabDesign: string | null = readSession(DESIGN_KEY);

/** Notes the fingerprint of the design this tab has just autosaved, for its next load. */
export function noteTabDesign(sig: string): void {
  try {
    globalThis.sessionStorage?.setItem(DESIGN_KEY, sig);
  } catch {
    // no sessionStorage: a reload cannot find this tab's design among the kept ones, and says less
  }
}

function readSession(key: string): string | null {
  try {
    return globalThis.sessionStorage?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

function notePreviousTab(): string | null {
  const previous = readSession(TAB_KEY);
  try {
    globalThis.sessionStorage?.setItem(TAB_KEY, tabId);
  } catch {
    // as above
  }
  return previous;
}

function readTabs(): Record<string, string> {
  try {
    const v = JSON.parse(storage()?.getItem(TABS_KEY) ?? '{}') as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, string>) : {};
  } catch {
    return {};
  }
}

function writeTabs(tabs: Record<string, string>): void {
  try {
    const s = storage();
    if (Object.keys(tabs).length === 0) s?.removeItem(TABS_KEY);
    else s?.setItem(TABS_KEY, JSON.stringify(tabs));
  } catch {
    // no storage: no crash detection either, and the storage message already says why
  }
}

function enter(): void {
  writeTabs({ ...readTabs(), [tabId]: new Date().toISOString() });
}

function leave(): void {
  const tabs = readTabs();
  delete tabs[tabId];
  writeTabs(tabs);
}

/**
 * Starts this tab's session. Resolves to true when a tab listed before this one no longer answers:
 * the last session ended in a crash (or hangs), so the start must be a safe one. Those tabs are
 * taken off the list; this one goes on it, and answers other tabs' questions from now on.
 */
export async function startSession(answerMs = 1500): Promise<boolean> {
  const listed = new Set(Object.keys(readTabs()));
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : null;
  const alive = new Set<string>();
  let settle: (() => void) | null = null;
  if (channel) {
    channel.onmessage = (e: MessageEvent<Ping>) => {
      if (e.data?.type === 'ping') channel.postMessage({ type: 'pong', from: tabId } satisfies Ping);
      else if (e.data?.type === 'pong') {
        alive.add(e.data.from);
        if ([...listed].every((id) => alive.has(id))) settle?.();
      }
    };
  }
  if (listed.size > 0 && channel) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, answerMs);
      settle = () => {
        clearTimeout(timer);
        resolve();
      };
      channel.postMessage({ type: 'ping', from: tabId } satisfies Ping);
    });
  }
  const gone = [...listed].filter((id) => !alive.has(id));
  const tabs = readTabs();
  for (const id of gone) delete tabs[id];
  writeTabs({ ...tabs, [tabId]: new Date().toISOString() });
  addEventListener('pagehide', leave);
  // back from the back/forward cache: this tab is open again
  addEventListener('pageshow', (e) => {
    if (e.persisted) enter();
  });
  return gone.length > 0;
}
