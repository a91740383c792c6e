import { describe, expect, it } from 'vitest';
import { DEMO_DOMAIN_XML, DEMO_HOST_XML } from '../engine/index.ts';
import { importFailure, tidy, wrongButton, xmlKind } from './importing.ts';

describe('what a file is', () => {
  it('tells a domain from node devices, whatever comes before the root', () => {
    expect(xmlKind(DEMO_DOMAIN_XML)).toBe('domain');
    expect(xmlKind(DEMO_HOST_XML)).toBe('node-devices');
    expect(xmlKind("<?xml version='1.0'?>\n<!-- a comment -->\n<devices>\n  <device><name>x</name></device>\n</devices>")).toBe('node-devices');
    expect(xmlKind('<nodedevs><!-- one --><device/></nodedevs>')).toBe('node-devices');
    expect(xmlKind('<network><name>default</name></network>')).toBe('other');
  });

  it('says which button reads a file given to the wrong one, and nothing for the right one', () => {
    expect(wrongButton('domain', DEMO_HOST_XML, 'host.xml')).toContain('Use Import host');
    expect(wrongButton('host', DEMO_DOMAIN_XML, 'guest.xml')).toContain('Use Import domain');
    expect(wrongButton('domain', DEMO_DOMAIN_XML, 'guest.xml')).toBeNull();
    expect(wrongButton('host', DEMO_HOST_XML, 'host.xml')).toBeNull();
  });

  it('says a file that is no XML at all is not XML, and what each button reads', () => {
    const json = '{\n "what": "a mock host", "devices": ["<hostdev>"]\n}\n';
    expect(wrongButton('host', json, 'mock-host.json')).toBe("mock-host.json is not XML (it looks like JSON). Import domain reads a libvirt domain (virsh dumpxml GUEST), Import host reads the host's node devices (virsh nodedev-dumpxml). Your design is unchanged.");
    expect(wrongButton('domain', 'qemu-system-ppc64 -M pseries\n', 'cmdline.txt')).toMatch(/^cmdline\.txt is not XML\. Import domain reads/);
    // XML after a byte order mark and blank lines is XML; an empty file is the parser's to report
    expect(wrongButton('domain', `\uFEFF\n\n${DEMO_DOMAIN_XML}`, 'guest.xml')).toBeNull();
    expect(wrongButton('host', '', 'empty.xml')).toBeNull();
  });
});

describe('tidy sentences', () => {
  it('drops doubled punctuation and ends with one full stop', () => {
    expect(tidy('the link is damaged.. You have an empty design')).toBe('the link is damaged. You have an empty design.');
    expect(tidy('Could not import: : the file is empty.')).toBe('Could not import: the file is empty.');
    expect(tidy('ends with a stop.')).toBe('ends with a stop.');
    expect(tidy('address 0000:01:00.0 is taken')).toBe('address 0000:01:00.0 is taken.');
    expect(importFailure('host', { code: 'not-node-devices', file: 'h.xml', message: 'found no XML elements.' })).toBe('Could not import the host: h.xml: found no XML elements. Your design is unchanged.');
  });
});
