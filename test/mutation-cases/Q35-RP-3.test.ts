import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/engine/commands/commands.ts';
import { findingsOf } from './alone.ts';
import { at, ctrl, design, dev, q35, rootPort } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { Finding } from '../../src/engine/rules/types.ts';

/**
 * Q35-RP-3's branches beyond its case table (issue 11; docs/mutation.md). QEMU's
 * pcie_chassis_add_slot refuses a second (chassis, slot) pair; libvirt leaves the slot 0 and gives
 * chassis = index to every port whose chassis is not written (qemuDomainPCIControllerSetDefaults).
 */

const of = (d: Design): Finding[] => findingsOf(d, 'Q35-RP-3');
const QEMU = 'QEMU refuses to start ("Can\'t add chassis slot, error -16").';

describe('Q35-RP-3: chassis numbers of root and downstream ports', () => {
  it('two root ports with chassis 1: both named, the later one is given the lowest free chassis, and then nothing clashes', () => {
    const d = q35([rootPort(1, 1), rootPort(2, 1, 1, { target: { chassis: 1, port: 9 } })], []);
    const got = of(d);
    expect(got.map((f) => [f.message, f.subjects])).toEqual([[`Port 1 and port 2 both use chassis 1: ${QEMU}`, { controllers: [1, 2] }]]);
    expect(got[0]?.fixes?.map((x) => x.label)).toEqual(['Give port 2 the free chassis 2']);
    const fixed = applyCommand(d, got[0]!.fixes![0]!.command);
    expect(of(fixed)).toEqual([]);
    expect(fixed.guest.controllers.find((c) => c.index === 2)?.target).toMatchObject({ chassis: 2, port: 9 });
  });

  it('three ports on one chassis: two findings, and their fixes take different free chassis', () => {
    const d = q35([rootPort(1, 1), rootPort(2, 1, 1, { target: { chassis: 1, port: 9 } }), rootPort(3, 1, 2, { target: { chassis: 1, port: 10 } })], []);
    const got = of(d);
    expect(got.map((f) => f.subjects)).toEqual([{ controllers: [1, 2] }, { controllers: [1, 3] }]);
    expect(got.map((f) => f.fixes?.map((x) => x.label))).toEqual([['Give port 2 the free chassis 2'], ['Give port 3 the free chassis 3']]);
    let fixed = d;
    for (const f of got) fixed = applyCommand(fixed, f.fixes![0]!.command);
    expect(of(fixed)).toEqual([]);
  });

  it('a clash with a port libvirt adds at define names that port as libvirt adds it, and the fix changes the written port', () => {
    const d = q35([ctrl('pcie-root-port', 1, { target: { chassis: 2 } })], [dev('rng0', 'rng'), dev('rng1', 'rng')]);
    const got = of(d);
    expect(got.map((f) => [f.message, f.subjects])).toEqual([[`Port 1 and the pcie-root-port index 2 libvirt adds at define (chassis = its index) both use chassis 2: ${QEMU}`, { controllers: [1, 2] }]]);
    expect(got[0]?.fixes?.map((x) => x.label)).toEqual(['Give port 1 the free chassis 1']);
    expect(of(applyCommand(d, got[0]!.fixes![0]!.command))).toEqual([]);
  });

  it('a port with no written chassis takes its index, so it does not clash with another port\'s written chassis', () => {
    expect(of(q35([rootPort(1, 1, 0, { target: { chassis: 5 } }), ctrl('pcie-root-port', 2, { target: {}, address: at(0, 1, 1) })], []))).toEqual([]);
  });

  it('a port with no written chassis has its index as chassis: a written chassis equal to that index clashes', () => {
    const got = of(q35([rootPort(1, 1, 0, { target: { chassis: 2 } }), ctrl('pcie-root-port', 2, { target: {}, address: at(0, 1, 1) })], []));
    expect(got.map((f) => f.subjects)).toEqual([{ controllers: [1, 2] }]);
  });

  it('only ports have a chassis: an upstream port written with a root port\'s chassis is not judged', () => {
    expect(of(q35([rootPort(1, 1), ctrl('pcie-switch-upstream-port', 2, { address: at(1, 0), target: { chassis: 1 } })], []))).toEqual([]);
  });
});

describe('Q35-RP-3: what is not judged, and the edges', () => {
  it('two ports with one index (libvirt refuses them: "Multiple \'pci\' controllers with index") are not this rule\'s, chassis written or not', () => {
    expect(of(q35([rootPort(1, 1), ctrl('pcie-root-port', 1, { key: 'dup', address: at(0, 1, 1), target: {} })], []))).toEqual([]);
    expect(of(q35([rootPort(1, 1), ctrl('pcie-root-port', 1, { key: 'dup', address: at(0, 1, 1), target: { chassis: 1 } })], []))).toEqual([]);
  });

  it('a written chassis equal to the index of a controller that is not a port clashes with nothing', () => {
    expect(of(q35([rootPort(1, 1, 0, { target: { chassis: 3 } }), ctrl('pcie-to-pci-bridge', 3, { address: at(1, 0) })], []))).toEqual([]);
  });

  it('ports on a guest libvirt does not define with a PCIe root (i440fx) are still judged on what is written', () => {
    const d = design({ machine: 'pc-i440fx-9.0', controllers: [ctrl('pci-root', 0), ctrl('pcie-root-port', 1, { address: at(0, 3), target: { chassis: 1 } }), ctrl('pcie-root-port', 2, { address: at(0, 4), target: { chassis: 1 } })] });
    expect(of(d).map((f) => [f.subjects, f.fixes?.map((x) => x.label)])).toEqual([[{ controllers: [1, 2] }, ['Give port 2 the free chassis 2']]]);
  });

  it('ports whose index cannot be read and no chassis have no chassis to clash on', () => {
    const blind = (key: string, fn: number) => ({ ...ctrl('pcie-root-port', 9, { key, address: at(0, 2, fn), target: {} }), index: undefined, unreadable: ["index='x'"] });
    expect(of(q35([rootPort(1, 1, 0, { target: { chassis: 5 } }), blind('a', 0), blind('b', 1)], []))).toEqual([]);
  });

  it('a port whose index cannot be read, written with a clashing chassis, is named so, without a number (chassis 2 is the port libvirt adds for the default devices)', () => {
    const blind = { ...ctrl('pcie-root-port', 9, { key: 'blind', address: at(0, 2), target: { chassis: 1 } }), index: undefined, unreadable: ["index='x'"] };
    const got = of(q35([rootPort(1, 1), blind], []));
    expect(got.map((f) => [f.message, f.subjects, f.fixes?.map((x) => x.label)])).toEqual([[`Port 1 and port (index unreadable) both use chassis 1: ${QEMU}`, { controllers: [1] }, ['Give port (index unreadable) the free chassis 3']]]);
  });

  it('every chassis 1-255 taken: the clash is named with no fix', () => {
    const many = Array.from({ length: 255 }, (_, i) => ctrl('pcie-root-port', i + 1, { target: { chassis: i + 1 } }));
    const got = of(q35([...many, ctrl('pcie-root-port', 256, { target: { chassis: 7 } })], []));
    expect(got.map((f) => [f.subjects, f.fixes])).toEqual([[{ controllers: [7, 256] }, undefined]]);
  });
});
