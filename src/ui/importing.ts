/**
 * What an imported file is, and messages that say what to do about it (issue 10): a node-device
 * file given to "Import domain" says it is the host's devices and which button reads it.
 */
import type { InputError } from '../engine/index.ts';
import { formatInputError } from '../engine/index.ts';

export type XmlKind = 'domain' | 'node-devices' | 'other';

/** The root element after the prolog, comments and a doctype: `<domain>` or node devices (`<device>`, or devices wrapped in one root). */
export function xmlKind(text: string): XmlKind {
  const head = text.replace(/^\uFEFF/, '').replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>]*>/g, '').trimStart();
  if (/^<domain[\s>/]/.test(head)) return 'domain';
  if (/^<device[\s>/]/.test(head)) return 'node-devices';
  // devices wrapped in one root of any name (<devices>, <nodedevs>, <host>): its first child is a <device>
  if (/^<[A-Za-z_][\w.-]*[^>]*>\s*(?:<!--[\s\S]*?-->\s*)*<device[\s>/]/.test(head)) return 'node-devices';
  return 'other';
}

/**
 * Tidies a sentence built from parts: no doubled full stops ("..", ". ."), no ": :" or ":." from an
 * empty part, one full stop at the end.
 */
export function tidy(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/([.!?])(\s*\.)+/g, '$1')
    .replace(/:\s*(?=[:.])/g, '')
    .replace(/\s+([.,;:])/g, '$1')
    .trim()
    .replace(/([^.!?])$/, '$1.');
}

/** "Could not import the domain: broken.xml:3:1: …. Your design is unchanged." without doubled punctuation. */
export function importFailure(what: 'domain' | 'host', e: InputError): string {
  return tidy(`Could not import the ${what}: ${formatInputError(e)}. Your design is unchanged.`);
}

/**
 * A file whose bytes are not text in its encoding (engine decodeXml's refusal: the byte, file, line
 * and column), opened where it is not yet known whether it is a domain or a host (a drop, several
 * files, a folder): "Could not read guest.xml:4:11: byte 0xE9 is not UTF-8: …. Your design is unchanged."
 */
export function unreadableFile(e: InputError): string {
  return tidy(`Could not read ${formatInputError(e)}. Your design is unchanged.`);
}

/** The message for a file given to the wrong button, or null when the file is what the button reads. */
export function wrongButton(expected: 'domain' | 'host', text: string, file: string): string | null {
  // a file that does not open with markup is no XML at all (JSON, a log, a script): the parser would
  // report the first '<' it meets somewhere inside, which says nothing of what the file is
  const first = text.replace(/^\uFEFF/, '').trimStart().charAt(0);
  if (first !== '' && first !== '<') {
    const looks = first === '{' || first === '[' ? ' (it looks like JSON)' : '';
    return `${file} is not XML${looks}. Import domain reads a libvirt domain (virsh dumpxml GUEST), Import host reads the host's node devices (virsh nodedev-dumpxml). Your design is unchanged.`;
  }
  const kind = xmlKind(text);
  if (expected === 'domain' && kind === 'node-devices') {
    return `${file} holds node devices (a host's PCI devices, as virsh nodedev-dumpxml prints them), not a libvirt domain. Use Import host to read it. Your design is unchanged.`;
  }
  if (expected === 'host' && kind === 'domain') {
    return `${file} is a libvirt domain (<domain>), not the host's node devices. Use Import domain to read it. Your design is unchanged.`;
  }
  return null;
}
