import type { TemplateMachine } from '../../engine/index.ts';
import { createDesign, formatInputError, MACHINE_TEMPLATES } from '../../engine/index.ts';
import { register } from './registry.ts';

/** A new, nearly empty design for a machine type (the host stays), as one undoable step. */
export const newDesign = register<TemplateMachine>({
  id: 'new-design',
  label: (_s, machine) => `New ${machine} design`,
  enabled: () => true,
  perform: ({ store }, machine) => {
    const present = store.getState().present;
    const r = createDesign(MACHINE_TEMPLATES[machine], present?.design.host, `new ${machine} design`);
    if (!r.ok) return { kind: 'error', message: formatInputError(r.error) };
    return { kind: 'document', doc: { design: r.value, hostText: present?.hostText, hostEncoding: present?.hostEncoding, file: `new-${machine}.xml`, pristine: true }, label: `New ${machine} design`, then: { select: null } };
  },
});
