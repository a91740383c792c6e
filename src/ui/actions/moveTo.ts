import type { DropPayload, DropTarget } from '../../engine/index.ts';
import type { Selection } from '../../store/index.ts';
import { register } from './registry.ts';
import { testIdOf } from './selection.ts';
import type { Then } from './types.ts';

export interface MoveArg {
  readonly payload: DropPayload;
  /** one of dropTargets(design, payload): a bus, a slot or the new isolating bus */
  readonly target: DropTarget;
}

/** Where selection and focus go after a move: the moved item, in its new place (issue 10). */
export function afterMove(payload: DropPayload): Then {
  const select: Selection =
    payload.kind === 'group'
      ? { kind: 'group', number: payload.number }
      : payload.kind === 'host-device'
        ? { kind: 'host-device', address: payload.address }
        : { kind: 'device', key: payload.kind === 'guest-devices' ? (payload.keys[0] ?? '') : payload.key };
  return { select, selectDevices: payload.kind === 'guest-devices' ? payload.keys : undefined, reveal: payload, focusItem: testIdOf(select, undefined) };
}

/** The keyboard and context-menu twin of a drag: the chosen target's command, one undo step. */
export const moveTo = register<MoveArg>({
  id: 'move-to',
  label: (_s, { target }) => target.label,
  enabled: (s) => (s.present ? true : 'No design is open'),
  perform: (_ctx, { payload, target }) => ({ kind: 'command', command: target.command, label: target.label, then: afterMove(payload) }),
});
