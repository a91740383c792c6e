import type { Fix } from '../../engine/index.ts';
import { register } from './registry.ts';

/** A finding's one-click fix: its engine command as one undo step, then a line on what it did. */
export const applyFix = register<Fix>({
  id: 'apply-fix',
  label: (_s, fix) => fix.label,
  enabled: (s) => (s.present ? true : 'No design is open'),
  perform: (_ctx, fix) => ({ kind: 'command', command: fix.command, label: fix.label, then: { summary: 'change' } }),
});
