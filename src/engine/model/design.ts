import type { Guest } from './guest.ts';
import type { Host } from './host.ts';
import type { DomainSource } from './domainSource.ts';

/**
 * A design is the domain XML document plus the host (DESIGN.md §2). `original` is the guest as
 * imported; export patches into `source.text` only what differs between `original` and `guest`.
 * Designs are immutable: every command returns a new one.
 */
export interface Design {
  readonly guest: Guest;
  readonly original: Guest;
  readonly source: DomainSource;
  readonly host?: Host | undefined;
}
