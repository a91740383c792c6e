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
