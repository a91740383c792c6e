import { register } from './registry.ts';
import { inMultiSelection, selectionAt, testIdOf } from './selection.ts';

/**
 * Shift+F10 (and the Menu key): the context menu of the focused item, or of the selection, opened
 * where that item is drawn.
 */
export const openContextMenu = register({
  id: 'context-menu',
  label: 'Open the context menu',
  keys: ['Shift+F10', 'ContextMenu'],
  enabled: (s) => (s.present ? true : 'No design is open'),
  perform: ({ store }) => {
    const s = store.getState();
    const design = s.present?.design;
    const focused = typeof document === 'undefined' ? null : document.activeElement;
    const sel = selectionAt(focused, design) ?? s.selection;
    if (!sel) return { kind: 'none' };
    const id = testIdOf(sel, design);
    const el = focused && selectionAt(focused, design) ? focused : id && typeof document !== 'undefined' ? document.querySelector(`[data-testid="${CSS.escape(id)}"]`) : null;
    const box = el?.getBoundingClientRect();
    const x = box ? box.left + Math.min(box.width / 2, 40) : 100;
    const y = box ? box.top + Math.min(box.height, 24) : 100;
    return {
      kind: 'session',
      change: (st) => {
        // a device of a multi-selection keeps the others: Move to…/Remove act on all of them
        if (!inMultiSelection(st.getState(), sel)) st.getState().select(sel);
        st.getState().openContextMenu({ x, y, selection: sel });
      },
    };
  },
});
