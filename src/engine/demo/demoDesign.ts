import type { Design } from '../model/design.ts';
import { createDesign } from '../xml/domain.ts';
import { importHost } from '../xml/nodedev.ts';
import { DEMO_DOMAIN_XML, DEMO_HOST_XML } from './demo.ts';

/** The demo as a design (host loaded). The demo XML is ours, so a failure here is a bug: it throws. */
export function demoDesign(): Design {
  const host = importHost(DEMO_HOST_XML, 'demo host');
  if (!host.ok) throw new Error(`demo host: ${host.error.message}`);
  const design = createDesign(DEMO_DOMAIN_XML, host.value, 'demo');
  if (!design.ok) throw new Error(`demo domain: ${design.error.message}`);
  return design.value;
}
