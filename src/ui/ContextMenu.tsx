/**
 * The context menu of the selection (right-click, Shift+F10, the Menu key): Move to… (every bus with
 * its verdict, and a new vPHB or root port), Isolate, Remove, and the fixes of the findings that name
 * the selection. Every item runs a registered action, so it does what the toolbar and keys do.
 * A WAI-ARIA menu: arrow keys move, Enter runs, Escape closes and gives focus back.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Design, DropPayload, DropTarget, Fix } from '../engine/index.ts';
import { dropTargets, payloadName } from '../engine/index.ts';
import { designerStore, findingsOf, lazyVerdicts, useDesigner, type Selection } from '../store/index.ts';
import { applyFix, isolate, moveTo, removeSelection, run, selectionPayload, testIdOf } from './actions/index.ts';
import { useAction } from './ActionButton.tsx';
import { useLazyJudging } from './lazyJudging.ts';
import { shownController } from './layout.ts';

const VERDICT_WORD = { clean: 'clean', info: 'clean', warning: 'warning', error: 'error' } as const;

/** Fixes of the findings that name the selection: its device, controller or group. */
export function selectionFixes(design: Design, sel: Selection): Fix[] {
  // findings name a controller by the index libvirt gives it, written or not (layout.ts shownControllers)
  const c = sel.kind === 'controller' ? shownController(design.guest, sel.key) : undefined;
  const out: Fix[] = [];
  const seen = new Set<string>();
  for (const f of findingsOf(design)) {
    const names =
      sel.kind === 'device'
        ? f.subjects.devices?.includes(sel.key)
        : sel.kind === 'controller'
          ? c?.index !== undefined && f.subjects.controllers?.includes(c.index)
          : sel.kind === 'group'
            ? f.subjects.groups?.includes(sel.number)
            : f.subjects.devices?.includes(sel.address);
    if (!names) continue;
    for (const fix of f.fixes ?? []) {
      if (seen.has(fix.label)) continue;
      seen.add(fix.label);
      out.push(fix);
    }
  }
  return out;
}

/** Buses first (pcie-root last: an endpoint there is integrated, never hot-unplugged), then the new bus. */
function moveTargets(design: Design, payload: DropPayload): DropTarget[] {
  const all = dropTargets(design, payload, { newBus: true }).filter((t) => t.id.startsWith('c:') || t.id === 'new');
  const onRoot = (t: DropTarget) => design.guest.controllers.find((c) => `c:${c.key}` === t.id)?.model === 'pcie-root';
  return [...all.filter((t) => !onRoot(t) && t.id !== 'new'), ...all.filter(onRoot), ...all.filter((t) => t.id === 'new')];
}

function close(restore: boolean): void {
  const st = designerStore.getState();
  const sel = st.contextMenu?.selection;
  st.openContextMenu(null);
  if (restore && sel) {
    const id = testIdOf(sel, st.present?.design);
    if (id) st.focusOn(id);
  }
}

function MoveList({ design, payload }: { design: Design; payload: DropPayload }) {
  const lazy = useMemo(() => lazyVerdicts(design, moveTargets(design, payload)), [design, payload]);
  useLazyJudging(lazy, design);
  if (lazy.targets.length === 0) return <li role="none" className="muted cm-note">No bus can take {payloadName(design, payload)}</li>;
  return (
    <>
      {lazy.targets.map((t) => {
        const v = lazy.get(t.id);
        const word = v ? VERDICT_WORD[v.level] : lazy.unjudged ? `not judged: ${lazy.unjudged}` : 'checking…';
        return (
          <li role="none" key={t.id}>
            <button
              type="button"
              role="menuitem"
              tabIndex={-1}
              className={`cm-item indent${v ? ` verdict-${v.level}` : ''}`}
              data-testid="context-move-target"
              data-verdict={v?.level ?? 'pending'}
              title={v && v.level !== 'clean' ? `${v.ruleId ? `${v.ruleId}: ` : ''}${v.message ?? ''}` : undefined}
              onClick={() => {
                close(false);
                void run(moveTo, { payload, target: t });
              }}
            >
              {t.where} — {word}
              {v && v.level !== 'clean' && v.ruleId ? <small className="muted"> {v.ruleId}</small> : null}
            </button>
          </li>
        );
      })}
    </>
  );
}

function Item({ testId, label, enabled, title, onRun }: { testId: string; label: string; enabled: boolean; title?: string | undefined; onRun: () => void }) {
  return (
    <li role="none">
      <button type="button" role="menuitem" tabIndex={-1} className="cm-item" data-testid={testId} aria-disabled={!enabled} disabled={!enabled} title={title} onClick={onRun}>
        {label}
      </button>
    </li>
  );
}

export function ContextMenu() {
  const menu = useDesigner((s) => s.contextMenu);
  const design = useDesigner((s) => s.present?.design);
  // several devices selected together (the right-clicked one among them) move as one payload
  const selected = useDesigner((s) => s.selectedDevices);
  const present = useDesigner((s) => s.present);
  const payload = useMemo(() => (menu ? selectionPayload({ ...designerStore.getState(), present, selection: menu.selection, selectedDevices: selected }) : null), [menu, selected, present]);
  const ref = useRef<HTMLUListElement>(null);
  // the Move to… list is open for this menu only: a menu opened anew starts closed
  const [movingFor, setMovingFor] = useState<typeof menu>(null);
  const moving = movingFor !== null && movingFor === menu;
  const iso = useAction(isolate, undefined);
  const rem = useAction(removeSelection, undefined);

  useEffect(() => {
    if (!menu) return;
    const first = ref.current?.querySelector<HTMLElement>('[role="menuitem"]:not([disabled])');
    first?.focus();
    const outside = (e: PointerEvent) => {
      if (!ref.current?.contains(e.target as Node)) close(false);
    };
    document.addEventListener('pointerdown', outside, true);
    return () => document.removeEventListener('pointerdown', outside, true);
  }, [menu]);

  useEffect(() => {
    if (moving) ref.current?.querySelector<HTMLElement>('[data-testid="context-move-target"]')?.focus();
  }, [moving]);

  if (!menu || !design) return null;
  const sel = menu.selection;
  const fixes = selectionFixes(design, sel);
  const onKeyDown = (e: React.KeyboardEvent) => {
    const items = Array.from(ref.current?.querySelectorAll<HTMLElement>('[role="menuitem"]:not([disabled])') ?? []);
    const i = items.indexOf(document.activeElement as HTMLElement);
    const go = (n: number) => items[(n + items.length) % items.length]?.focus();
    if (e.key === 'ArrowDown') go(i + 1);
    else if (e.key === 'ArrowUp') go(i - 1);
    else if (e.key === 'Home') go(0);
    else if (e.key === 'End') go(items.length - 1);
    else if (e.key === 'Escape' || e.key === 'Tab') close(true);
    else return;
    e.preventDefault();
    e.stopPropagation();
  };
  // keep the menu inside the window
  const left = Math.max(4, Math.min(menu.x, window.innerWidth - 300));
  const top = Math.max(4, Math.min(menu.y, window.innerHeight - 320));
  return (
    <ul ref={ref} className="context-menu" role="menu" aria-label="Actions on the selection" data-testid="context-menu" style={{ left, top }} onKeyDown={onKeyDown}>
      {payload ? (
        <>
          <Item testId="context-move-to" label={moving ? 'Move to… (choose a bus)' : 'Move to…'} enabled onRun={() => setMovingFor(moving ? null : menu)} />
          {moving ? <MoveList design={design} payload={payload} /> : null}
          <Item
            testId="context-isolate"
            label={iso.label}
            enabled={iso.enabled}
            title={iso.title}
            onRun={() => {
              close(false);
              void run(isolate, undefined);
            }}
          />
        </>
      ) : null}
      <Item
        testId="context-remove"
        label={rem.label}
        enabled={rem.enabled}
        title={rem.title}
        onRun={() => {
          close(false);
          void run(removeSelection, undefined);
        }}
      />
      {fixes.length ? <li role="separator" className="cm-sep" /> : null}
      {fixes.map((fix) => (
        <Item
          key={fix.label}
          testId="context-fix"
          label={fix.label}
          enabled
          onRun={() => {
            close(false);
            void run(applyFix, fix);
          }}
        />
      ))}
    </ul>
  );
}
