import { DEMO_DOMAIN_XML, DEMO_HOST_XML, formatInputError } from '../../engine/index.ts';
import { buildDesign } from '../documents.ts';
import { register } from './registry.ts';

/** The built-in demo, as one undoable step; the design it replaces is kept aside. */
export const openDemo = register({
  id: 'open-demo',
  label: 'Open the demo',
  enabled: () => true,
  perform: () => {
    const r = buildDesign(DEMO_DOMAIN_XML, DEMO_HOST_XML, 'demo domain', 'demo host');
    if (!r.ok) return { kind: 'error', message: formatInputError(r.error) };
    return { kind: 'document', doc: { design: r.value, hostText: DEMO_HOST_XML, file: 'demo.xml', pristine: true }, label: 'Open the demo', then: { select: null } };
  },
});
