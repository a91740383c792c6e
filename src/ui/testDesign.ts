import type { Design } from '../engine/index.ts';
import { createDesign, importHost } from '../engine/index.ts';

/** For the UI's unit tests: the design of a domain XML and, optionally, a host's node-device XML; throws the import's message when either does not read. */
export function designFromXml(xml: string, hostXml?: string): Design {
  const host = hostXml === undefined ? undefined : importHost(hostXml);
  if (host && !host.ok) throw new Error(host.error.message);
  const d = createDesign(xml, host?.value);
  if (!d.ok) throw new Error(d.error.message);
  return d.value;
}
