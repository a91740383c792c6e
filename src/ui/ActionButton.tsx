/**
 * A control that runs a registered action: its label and tooltip come from the action, it is
 * disabled with the action's reason when the action cannot run, and its shortcut shows in the tooltip.
 */
import { useShallow } from 'zustand/react/shallow';
import { designerStore, useDesigner, type DesignerState } from '../store/index.ts';
import { descriptionOf, keyLabel, labelOf, run, type Action } from './actions/index.ts';

/** Re-renders when anything an action's label or enabled state can depend on changes (not on drag moves). */
function useActionInputs(): DesignerState {
  useDesigner(useShallow((s) => [s.present, s.selection, s.past.length, s.future.length, s.previous, s.contextMenu]));
  return designerStore.getState();
}

export interface ActionView {
  readonly label: string;
  readonly enabled: boolean;
  /** the tooltip: the description and shortcut, or why it is disabled */
  readonly title: string;
}

export function useAction<A>(action: Action<A>, arg: A): ActionView {
  const s = useActionInputs();
  const ok = action.enabled(s, arg);
  const label = labelOf(action, s, arg);
  const keys = action.keys?.length ? ` (${action.keys.map(keyLabel).join(', ')})` : '';
  const title = ok === true ? `${descriptionOf(action, s, arg) ?? label}${keys}` : ok;
  return { label, enabled: ok === true, title };
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
