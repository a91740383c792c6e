import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App.tsx';
import { designerStore, exportDomain, type DesignerState } from './store/index.ts';
import { autosaveAfterPaint, boot, followPastedLinks } from './ui/boot.ts';
import { pciDevices, setShownRelease } from './ui/layout.ts';
import { listKept, peekAutosave, settled } from './ui/saved.ts';

declare global {
  interface Window {
    /** read-only hooks for e2e tests: assert on the domain, not on pixels (STYLE.md §8.2) */
    __pcitopo?: {
      getState: () => DesignerState;
      exportXml: () => string;
      pciDeviceKeys: () => string[];
      /**
       * the autosave's stored text (IndexedDB), and the designs kept aside, newest first, once every
       * write already asked is done: a save that read the design before a later change is still
       * queued, and would write that older state over what a read without the wait returns
       */
      saved: () => Promise<{ autosave: string | null; kept: { name: string; why: string }[] }>;
      ready: boolean;
    };
  }
}

// what the canvas shows of the defaults libvirt fills follows the design's libvirt release setting
setShownRelease(() => designerStore.getState().present?.libvirtVersion);

const hooks = {
  getState: () => designerStore.getState(),
  exportXml: () => {
    const p = designerStore.getState().present;
    return p ? exportDomain(p.design) : '';
  },
  /** every device the canvas must show (on a bus or in the Unplaced tray) */
  pciDeviceKeys: () => {
    const p = designerStore.getState().present;
    return p ? pciDevices(p.design.guest).map((d) => d.key) : [];
  },
  saved: async () => {
    await settled();
    return { autosave: await peekAutosave(), kept: (await listKept()).map((k) => ({ name: k.name, why: k.why })) };
  },
  ready: false,
};
window.__pcitopo = hooks;

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

void boot().then(() => {
  hooks.ready = true;
  performance.mark('pcitopo-ready');
  document.documentElement.dataset.ready = 'true';
  // Autosave every document change once drawn; the first load is not a change worth saving over a restore.
  designerStore.subscribe((s, prev) => {
    if (s.present !== prev.present) void autosaveAfterPaint();
  });
  followPastedLinks();
});
