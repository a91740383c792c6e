import type { Result } from '../errors.ts';
import { fail, ok } from '../errors.ts';
import type { Design } from '../model/design.ts';
import type { Guest } from '../model/guest.ts';
import type { Host } from '../model/host.ts';
import { qemuDomainDefAddDefaultRoot } from '../libvirt/qemuDomain.ts';
import { qemuDomainImpliedPCIBuses } from '../libvirt/qemuDomainAddress.ts';
import { machineProfile } from '../machines/index.ts';
import type { DomainSource } from '../model/domainSource.ts';
import { patchDomain } from './domainPatch.ts';
import { readDomain } from './domainRead.ts';
import type { UnwritableCharacter, XmlEncoding } from './decode.ts';
import { declaredEncodingName, encodeXml, encodingToWrite, firstUnwritable } from './decode.ts';

/**
 * Domain XML in and out (issue 3). Import reads the model and remembers where things are; export
 * patches the original text with what the design changed, so an unedited design exports the
 * very same bytes and an edit shows as a minimal line diff.
 *
 * Why @rgrove/parse-xml here and not fast-xml-parser: patching needs the exact source offsets of
 * every element (where an `<address>` starts and ends, where a controller's lines are), and
 * fast-xml-parser reports none. @rgrove/parse-xml is a small, strict XML 1.0 parser (maintained,
 * no dependencies) whose `includeOffsets` gives start/end for each node, and whose errors carry
 * line and column. Host XML is never patched, so the host importer (nodedev.ts) uses fast-xml-parser.
 *
 * Keys: PCI controllers are `pci-<n>` (n counts PCI controllers in document order from 0).
 * Devices are keyed by host address for PCI hostdevs and `<interface type='hostdev'>`, else by
 * alias, else `<element>-<n>` with n counting that element name among all `<devices>` children
 * from 0 (so `controller-<n>` counts PCI controllers too). A key seen twice gets `#2`, `#3`, …
 */
export function importDomain(text: string, file?: string): Result<{ guest: Guest; source: DomainSource }> {
  return readDomain(text, file);
}

/**
 * A design whose guest is the document as written (`original === guest`), plus the root bus libvirt
 * adds by itself when the XML names none (a hand-written pseries domain often lists no PCI
 * controller at all): the tree then has its root, and devices on bus 0 a home. It is `implicit`, so
 * export leaves it out unless the design changes it. `encoding`: the encoding of the file's bytes when
 * its text does not say it (decode.ts encodingBeyondText), kept as `source.encoding` for
 * {@link exportDomainBytes}.
 */
export function createDesign(domainText: string, host?: Host, file?: string, encoding?: XmlEncoding): Result<Design> {
  const r = readDomain(domainText, file);
  if (!r.ok) return r;
  const source = encoding === undefined ? r.value.source : { ...r.value.source, encoding };
  const guest = withImplicitRoot(r.value.guest);
  return ok({ guest, original: guest, source, host });
}

function withImplicitRoot(guest: Guest): Guest {
  const machine = machineProfile(guest);
  if (machine.family === 'other') return guest;
  // An index-less controller takes index 0 before libvirt adds a root (GEN-IDX-6): no root then,
  // and libvirt's numbering is left to the rules (GEN-IDX-6) rather than guessed here.
  if (guest.controllers.some((c) => c.index === undefined && !c.unreadable?.length)) return guest;
  const rooted = qemuDomainDefAddDefaultRoot(guest.controllers, machine);
  // GEN-IDX-5: the buses addresses or controller indexes name, which libvirt adds (a vPHB on pseries)
  const implied = qemuDomainImpliedPCIBuses({ ...guest, controllers: rooted }, machine, { implicit: true });
  if (rooted === guest.controllers && implied.controllers.length === 0) return guest;
  const root = rooted === guest.controllers ? [] : [machine.root];
  // a device libvirt's growth moves (onto the pcie-to-pci-bridge it adds) keeps its written address
  // in the design (export keeps the bytes); the rules and placement ask where libvirt puts it
  // (qemuDomainPCIAddressSetCollect)
  return { ...guest, controllers: [...root, ...implied.controllers, ...guest.controllers] };
}

/**
 * The design's domain XML as the file's bytes: {@link exportDomain} in the encoding the file came in
 * (`source.encoding`, else the one the text declares), so an unedited file comes back byte for byte
 * whatever its encoding (issue 11). Error `unsupported`, naming line and column, for a character the
 * encoding cannot hold or a declared encoding pcitopo cannot write (both only after an XML edit).
 */
export function exportDomainBytes(design: Design, file?: string): Result<Uint8Array> {
  return domainBytes(exportDomain(design), design.source.encoding, file);
}

/** A domain's text as its file's bytes: in `kept` (DomainSource.encoding) when set, else in the encoding it declares (errors as {@link exportDomainBytes}). */
export function domainBytes(text: string, kept: XmlEncoding | undefined, file?: string): Result<Uint8Array> {
  const encoding = encodingToWrite(text, kept);
  if (encoding === undefined) return fail({ code: 'unsupported', file, line: 1, message: 'the XML declares an encoding pcitopo cannot write (it writes UTF-8, UTF-16, ISO-8859-1, US-ASCII and windows-1252)' });
  return encodeXml(text, encoding, file);
}

/**
 * Why {@link domainBytes} refuses a domain's text, said whole for a message: a character its
 * encoding cannot hold (`character`, with the encoding), or an encoding its declaration names that
 * pcitopo cannot write (`declaration`, the name as written).
 */
export type Unwritable =
  | { readonly kind: 'character'; readonly encoding: XmlEncoding; readonly character: UnwritableCharacter }
  | { readonly kind: 'declaration'; readonly declared: string };

/**
 * Why `text` cannot be written as its file's bytes (`kept` as for {@link domainBytes}); undefined
 * when domainBytes writes it.
 */
export function whyUnwritable(text: string, kept: XmlEncoding | undefined): Unwritable | undefined {
  const encoding = encodingToWrite(text, kept);
  if (encoding === undefined) return { kind: 'declaration', declared: declaredEncodingName(text) ?? '' };
  const character = firstUnwritable(text, encoding);
  return character ? { kind: 'character', encoding, character } : undefined;
}

/** The design's domain XML: the imported text with only the design's edits patched in. */
export function exportDomain(design: Design): string {
  const { source, original, guest } = design;
  if (original === guest) return source.text;
  let layout = source.layout;
  if (!layout) {
    // A source made from text alone: read it again to learn where things are. Keys are
    // deterministic, so they match the ones `original` was read with.
    const again = readDomain(source.text);
    if (!again.ok) return source.text;
    layout = again.value.source.layout;
    if (!layout) return source.text;
  }
  return patchDomain(source.text, layout, original, guest);
}
