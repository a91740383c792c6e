import type { Design } from '../../model/design.ts';
import type { GuestDevice } from '../../model/guest.ts';
import type { Host } from '../../model/host.ts';
import type { Workspace } from '../../model/workspace.ts';
import type { HostSpec } from '../testkit.ts';
import { host as makeTestHost, q35 } from '../testkit.ts';

/**
 * Workspace fixtures for the case tables of rules across guests: `workspace(hostSpec, { alpha:
 * [hostdev(...)], beta: [...] })` gives q35 guests named alpha and beta on one host.
 */
export function workspace(h: HostSpec | undefined, guests: Record<string, readonly GuestDevice[] | Design>): Workspace {
  const shared: Host | undefined = h === undefined ? undefined : makeTestHost(h);
  return {
    host: shared,
    guests: Object.entries(guests).map(([name, g]) => {
      const d = Array.isArray(g) ? q35([], g as readonly GuestDevice[]) : (g as Design);
      const guest = { ...d.guest, name };
      return { name, design: { ...d, guest, original: guest, host: shared } };
    }),
  };
}
