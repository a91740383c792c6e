import { describe, expect, it } from 'vitest';
import { applySplices, elementTags, firstQuote, indentBefore, restOfLineEnd, scanStartTag, wholeLines } from './domainText.ts';

describe('start tags and lines', () => {
  it('reads attributes with their quotes and offsets', () => {
    const text = `<address type='pci'  bus="0x01"\n slot='2'/>`;
    const tag = scanStartTag(text, 0);
    expect(tag.name).toBe('address');
    expect(tag.selfClosing).toBe(true);
    expect(tag.end).toBe(text.length);
    expect(tag.attributes.map((a) => [a.name, a.quote, text.slice(a.valueStart, a.valueEnd)])).toEqual([
      ['type', "'", 'pci'],
      ['bus', '"', '0x01'],
      ['slot', "'", '2'],
    ]);
  });

  it('finds start and end tags of an element, self-closing or not', () => {
    const text = '<a x="1"><b/></a>';
    expect(elementTags(text, { start: 0, end: text.length })).toEqual({ startTagEnd: 9, selfClosing: false, closeTagStart: 13 });
    expect(elementTags(text, { start: 9, end: 13 })).toEqual({ startTagEnd: 13, selfClosing: true, closeTagStart: 13 });
  });

  it('firstQuote and elementTags read a start tag as scanStartTag does, quoted `>` and `/` included', () => {
    for (const tag of [`<a b='1' c="2">`, `<a b="x>'/" c='2'>`, `<a\n  b = "1">`, '<a>', '<a/>', '<a b:c=\'>\'/>']) {
      expect(firstQuote(tag, 0), tag).toBe(scanStartTag(tag, 0).attributes[0]?.quote);
    }
    const text = `<a b="x>'/" c='>'><b/></a>`;
    expect(elementTags(text, { start: 0, end: text.length })).toEqual({ startTagEnd: scanStartTag(text, 0).end, selfClosing: false, closeTagStart: text.indexOf('</a>') });
    expect(scanStartTag(text, 0).end).toBe(text.indexOf('<b/>'));
  });

  it('takes whole lines only when the element has them to itself', () => {
    const text = '<d>\r\n\t<x/>\r\n  <y/><z/>\n</d>';
    const x = text.indexOf('<x/>');
    expect(indentBefore(text, x)).toBe('\t');
    expect(wholeLines(text, x, x + 4)).toEqual([x - 1, text.indexOf('  <y')]);
    const z = text.indexOf('<z/>');
    expect(indentBefore(text, z)).toBeUndefined();
    expect(wholeLines(text, z, z + 4)).toEqual([z, z + 4]);
    expect(restOfLineEnd(text, text.indexOf('<y/>') + 4)).toBeUndefined();
  });
});

describe('applySplices', () => {
  it('applies edits in offset order and keeps the order of inserts at one offset', () => {
    const out = applySplices('abcdef', [
      { start: 4, end: 5, text: 'E' },
      { start: 2, end: 2, text: '1' },
      { start: 2, end: 2, text: '2' },
      { start: 0, end: 1, text: '' },
    ]);
    expect(out).toBe('b12cdEf');
  });

  it('returns the very same text with no edit', () => {
    const t = 'x'.repeat(10);
    expect(applySplices(t, [])).toBe(t);
  });

  it('drops an edit that overlaps an earlier one instead of corrupting the text', () => {
    expect(applySplices('abcdef', [{ start: 1, end: 4, text: 'X' }, { start: 2, end: 3, text: 'Y' }])).toBe('aXef');
  });
});
