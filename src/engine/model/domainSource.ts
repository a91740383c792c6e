/**
 * What the domain XML importer remembers of the original text so that export can patch it.
 * Written and read by the XML layer (domain read/patch); the rest of the engine treats it as opaque.
 *
 * Only `text` is required: a source made of text alone (`{ text }`) is valid, and export then
 * re-reads the text to find where things are. The importer fills in the offsets so export never
 * parses twice. All offsets are UTF-16 indexes into `text`.
 */
import type { XmlEncoding } from './encoding.ts';

export interface DomainSource {
  /** the document exactly as imported */
  readonly text: string;
  /**
   * The encoding of the file's bytes when the text does not say it (UTF-16: xml/decode.ts
   * encodingBeyondText); absent: the one its declaration names, UTF-8 without one. Export, share
   * links and autosave carry it, so the file's bytes come back as they were.
   */
  readonly encoding?: XmlEncoding | undefined;
  /** where the patchable elements are; absent when the source was built from text alone */
  readonly layout?: DomainLayout | undefined;
}

/**
 * [start, end) of a whole element, start tag to end of end tag (or of `<x/>`). Tag details are
 * worked out at export time for the few elements an edit touches, not for every element at import.
 */
export interface ElementSpan {
  readonly start: number;
  readonly end: number;
}

/** A `<devices>` child export may rewrite, remove, or add children to. */
export interface DeviceLayout extends ElementSpan {
  readonly element: string;
  /** the device's own (guest) `<address>`, whatever its type */
  readonly address?: ElementSpan | undefined;
  /** first and last child elements, for placing new children */
  readonly firstChild?: ElementSpan | undefined;
  readonly lastChild?: ElementSpan | undefined;
  /** a PCI controller's `<model>` and `<target>` (with its `<node>`) */
  readonly model?: ElementSpan | undefined;
  readonly target?: ElementSpan | undefined;
  readonly targetNode?: ElementSpan | undefined;
  /** children of `<target>` other than `<node>`: when there are some, target cannot collapse to `<target/>` */
  readonly targetOtherChildren?: boolean | undefined;
}

export interface DomainLayout {
  /** by model key (GuestDevice.key) */
  readonly devices: ReadonlyMap<string, DeviceLayout>;
  /** by model key (PciController.key) */
  readonly controllers: ReadonlyMap<string, DeviceLayout>;
  /** every element child of `<devices>` in document order, for finding where libvirt lists a new one */
  readonly deviceChildren: ReadonlyArray<{ readonly element: string; readonly type?: string | undefined; readonly span: ElementSpan }>;
  /** `<devices>` itself; undefined when the document has none */
  readonly devicesElement?: ElementSpan | undefined;
  /** the root `<domain>`, for adding `<devices>` when there is none */
  readonly domainElement: ElementSpan;
  /** '\n' or '\r\n', as the document writes line ends */
  readonly newline: string;
  /** the quote the document uses for attributes (libvirt writes `'`) */
  readonly quote: '"' | "'";
  /** one level of indentation as the document writes it (two spaces for libvirt) */
  readonly indentUnit: string;
}
