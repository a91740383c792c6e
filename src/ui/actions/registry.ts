/**
 * The action registry (excalidraw's actions/register.ts): every action file registers itself here;
 * the keyboard, the context menu and the meta tests read the list. An action with a shortcut takes
 * no argument, so a key press can run it.
 */
import type { Action } from './types.ts';

const registered: Action<unknown>[] = [];

/** Adds an action to the registry and returns it, typed, for direct calls with an argument. */
export function register<A = void>(action: Action<A>): Action<A> {
  if (registered.some((a) => a.id === action.id)) throw new Error(`action ${action.id} is registered twice`);
  registered.push(action as unknown as Action<unknown>);
  return action;
}

/** Every registered action, in registration order. */
export function registeredActions(): readonly Action<unknown>[] {
  return registered;
}

/** The action a shortcut runs (see keys.ts), if any. */
export function actionForKey(key: string): Action<unknown> | undefined {
  return registered.find((a) => a.keys?.includes(key));
}
