import { register } from './registry.ts';

/** Shows another guest of the workspace on the canvas and in the inspector (its domain `<name>`). */
export const switchGuest = register<string>({
  id: 'switch-guest',
  label: (_s, name) => `Show ${name}`,
  enabled: (s, name) => (s.present?.workspace?.workspace.guests.some((g) => g.name === name) ? true : `No guest ${name} is open`),
  perform: (_ctx, name) => ({ kind: 'session', change: (store) => store.getState().switchGuest(name) }),
});
