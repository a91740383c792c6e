import { describe, expect, it } from 'vitest';
import { findingsOf } from './alone.ts';
import { ctrl, dev, q35 } from '../../src/engine/rules/testkit.ts';

/**
 * GEN-MODEL-3's words and fixes (issue 11; docs/mutation.md): each finding quotes libvirt's own
 * message (virDomainControllerDefParseXML: "Unknown model type '%s'", "Invalid value for attribute
 * 'type' in element 'controller': '%s'."), names the type whose models were searched, and offers to
 * remove a non-PCI controller. (A PCI controller written without an index reaches the rule numbered:
 * the context gives it libvirt's index, virDomainAssignControllerIndexes; one whose index libvirt
 * cannot read keeps none, and the rule's "(index unreadable)" branch speaks of it.)
 */
const of = (d: ReturnType<typeof q35>) => findingsOf(d, 'GEN-MODEL-3').map((f) => [f.message, f.subjects, f.fixes?.map((x) => [x.label, x.command])]);

describe('GEN-MODEL-3: what it says, and its fix', () => {
  it('a usb model libvirt has not: the usb models searched, libvirt\'s message, and Remove it', () => {
    const usb = dev('usb', 'controller', undefined, { type: 'usb', index: 0, model: 'bogus', label: 'usb controller' });
    expect(of(q35([], [usb]))).toEqual([
      ["usb controller has model 'bogus', which libvirt has no usb controller model for: libvirt refuses the domain (\"Unknown model type 'bogus'\").", { devices: ['usb'] }, [['Remove it', { kind: 'remove-device', device: 'usb' }]]],
    ]);
  });

  it('a controller written without a type is an ide one: its models are the ide ones', () => {
    const c = dev('c', 'controller', undefined, { model: 'qemu-xhci', label: 'controller c' });
    expect(of(q35([], [c]))[0]?.[0]).toBe("controller c has model 'qemu-xhci', which libvirt has no ide controller model for: libvirt refuses the domain (\"Unknown model type 'qemu-xhci'\").");
  });

  it('a type libvirt has not: its message, and Remove it', () => {
    const c = dev('c', 'controller', undefined, { type: 'USB', model: 'qemu-xhci', label: 'controller c' });
    expect(of(q35([], [c]))).toEqual([
      ["controller c has type 'USB', which is no controller type libvirt has: libvirt refuses the domain (\"Invalid value for attribute 'type' in element 'controller': 'USB'.\").", { devices: ['c'] }, [['Remove it', { kind: 'remove-device', device: 'c' }]]],
    ]);
  });

  it('a PCI controller: its index and libvirt\'s message, no fix', () => {
    expect(of(q35([ctrl('nonsense', 1)], []))).toEqual([["PCI controller 1 has model 'nonsense', which is no PCI controller model: libvirt refuses the domain (\"Unknown model type 'nonsense'\").", { controllers: [1] }, undefined]]);
  });
});

describe('GEN-MODEL-3: a PCI controller whose index libvirt cannot read', () => {
  it('is refused for its model first (virDomainControllerDefParseXML reads the model before the index): no index to name, no subject', () => {
    // libvirt 9.0, <controller type='pci' index='x' model='nonsense'/> on q35: "Unknown model type 'nonsense'"
    // (with a known model the same index gives "Invalid value for attribute 'index'", GEN-IDX-1's)
    const c = { ...ctrl('nonsense', 1), index: undefined, unreadable: ['index=x'] };
    expect(of(q35([c], []))).toEqual([["PCI controller (index unreadable) has model 'nonsense', which is no PCI controller model: libvirt refuses the domain (\"Unknown model type 'nonsense'\").", { controllers: [] }, undefined]]);
  });
});
