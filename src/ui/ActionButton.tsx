/**
 * A control that runs a registered action: its label and tooltip come from the action, it is
 * disabled with the action's reason when the action cannot run, and its shortcut shows in the tooltip.
 */
import { useMemo } from 'react';
import { useDesigner, type DesignerState } from '../store/index.ts';
import { descriptionOf, keyLabel, labelOf, run, type Action } from './actions/index.ts';

export interface ActionView {
  readonly label: string;
  readonly enabled: boolean;
  /** the tooltip: the description and shortcut, or why it is disabled */
  readonly title: string;
}

/** What an action's label or enabled state can depend on (not drag moves: those change `drag` only). */
const inputsOf = (s: DesignerState): readonly unknown[] => [s.present, s.selection, s.selectedDevices, s.past.length, s.future.length, s.previous, s.contextMenu];

/**
 * A store selector giving the action's view: computed again only when one of its inputs changed, and
 * the same object while label, enabled state and tooltip read the same, so a control re-renders only
 * when what it shows changes (an edit such as a drop re-rendered every toolbar button in the frame
 * that shows it, DESIGN.md §7). Exported for its unit test.
 */
export function actionViewSelector<A>(action: Action<A>, arg: A): (s: DesignerState) => ActionView {
  let inputs: readonly unknown[] = [];
  let view: ActionView | null = null;
  return (s) => {
    const now = inputsOf(s);
    if (view && now.every((x, i) => x === inputs[i])) return view;
    inputs = now;
    const ok = action.enabled(s, arg);
    const label = labelOf(action, s, arg);
    const keys = action.keys?.length ? ` (${action.keys.map(keyLabel).join(', ')})` : '';
    const title = ok === true ? `${descriptionOf(action, s, arg) ?? label}${keys}` : ok;
    if (!view || view.label !== label || view.enabled !== (ok === true) || view.title !== title) view = { label, enabled: ok === true, title };
    return view;
  };
}

export function useAction<A>(action: Action<A>, arg: A): ActionView {
  const select = useMemo(() => actionViewSelector(action, arg), [action, arg]);
  return useDesigner(select);
}

export function ActionButton<A>({
  action,
  arg,
  testId,
  className,
  children,
  ariaLabel,
  onDone,
}: {
  action: Action<A>;
  arg: A;
  testId: string;
  className?: string | undefined;
  children?: React.ReactNode;
  /** the accessible name when the visible text is an icon or too short */
  ariaLabel?: string | undefined;
  onDone?: ((changed: boolean) => void) | undefined;
}) {
  const v = useAction(action, arg);
  return (
    <button
      type="button"
      className={className}
      data-testid={testId}
      disabled={!v.enabled}
      title={v.title}
      aria-label={ariaLabel ?? (children ? v.label : undefined)}
      onClick={() => {
        const r = run(action, arg);
        if (onDone) void Promise.resolve(r).then(onDone);
      }}
    >
      {children ?? v.label}
    </button>
  );
}
