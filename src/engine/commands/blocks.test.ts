import { describe, expect, it } from 'vitest';
import { demoDesign } from '../demo/demoDesign.ts';
import { MACHINE_TEMPLATES, MAX_SWITCH_PORTS, type BuildingBlock } from '../machines/index.ts';
import { createDesign } from '../xml/domain.ts';
import type { Design } from '../model/design.ts';
import { validate } from '../rules/validate.ts';
import { applyCommand } from './commands.ts';
import { buildingBlocks, defaultBlock, isolatingBlock, planBlock } from './blocks.ts';

function template(machine: keyof typeof MACHINE_TEMPLATES): Design {
  const r = createDesign(MACHINE_TEMPLATES[machine], undefined, `${machine}.xml`);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function build(d: Design, block: BuildingBlock, options = {}): Design {
  const r = planBlock(d, block, options);
  if (!r.ok) throw new Error(r.reason);
  return applyCommand(d, r.plan.command);
}

const byIndex = (d: Design, i: number) => d.guest.controllers.find((c) => c.index === i);
const errors = (d: Design) => validate(d).filter((f) => f.severity === 'error').map((f) => f.ruleId);

describe('building blocks', () => {
  it('offers PHBs and bridges on pseries, ports, bridges and switches under pcie-root', () => {
    expect(buildingBlocks(demoDesign().guest)).toEqual(['vphb', 'pci-bridge']);
    expect(buildingBlocks(template('q35').guest)).toEqual(['root-port', 'pcie-to-pci-bridge', 'switch']);
    expect(defaultBlock(demoDesign().guest)).toBe('vphb');
    expect(defaultBlock(template('virt').guest)).toBe('root-port');
    expect(isolatingBlock(demoDesign().guest)).toBe('vphb');
    expect(isolatingBlock(template('q35').guest)).toBe('root-port');
  });

  it('a vPHB takes the next controller index and the next free target index, in one undo step', () => {
    const r = planBlock(demoDesign(), 'vphb');
    expect(r.ok && r.plan).toMatchObject({ label: 'Add a vPHB', added: [3] });
    const d = build(demoDesign(), 'vphb');
    expect(byIndex(d, 3)).toMatchObject({ model: 'pci-root', modelName: 'spapr-pci-host-bridge', target: { index: 3 } });
    expect(errors(d)).toEqual([]);
  });

  it('a root port takes a free slot of pcie-root, chassis = its index and port = slot * 8 + function (libvirt defaults)', () => {
    const d = build(build(template('q35'), 'root-port'), 'root-port');
    expect(byIndex(d, 1)).toMatchObject({ model: 'pcie-root-port', address: { bus: 0, slot: 1 }, target: { chassis: 1, port: 8 } });
    expect(byIndex(d, 2)).toMatchObject({ address: { bus: 0, slot: 2 }, target: { chassis: 2, port: 16 } });
    expect(errors(d)).toEqual([]);
  });

  it('a switch is a new root port, its upstream port and N downstream ports, chassis unique even after an import', () => {
    const imported = createDesign(
      MACHINE_TEMPLATES.q35.replace(
        "<controller type='pci' index='0' model='pcie-root'/>",
        "<controller type='pci' index='0' model='pcie-root'/>\n    <controller type='pci' index='1' model='pcie-root-port'>\n      <target chassis='4' port='0x8'/>\n      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>\n    </controller>",
      ),
      undefined,
      'chassis.xml',
    );
    if (!imported.ok) throw new Error(imported.error.message);
    const r = planBlock(imported.value, 'switch', { downstreamPorts: 3 });
    if (!r.ok) throw new Error(r.reason);
    expect(r.plan.label).toBe('Add a switch with 3 downstream ports');
    expect(r.plan.added).toEqual([2, 3, 4, 5, 6]);
    const d = applyCommand(imported.value, r.plan.command);
    expect(byIndex(d, 3)).toMatchObject({ model: 'pcie-switch-upstream-port', address: { bus: 2, slot: 0 } });
    expect(byIndex(d, 6)).toMatchObject({ model: 'pcie-switch-downstream-port', address: { bus: 3, slot: 2 }, target: { port: 2 } });
    const chassis = d.guest.controllers.map((c) => c.target.chassis).filter((c) => c !== undefined);
    expect(new Set(chassis).size).toBe(chassis.length);
    expect(errors(d)).toEqual([]);
    // clamped to what one upstream bus can hold
    const big = planBlock(imported.value, 'switch', { downstreamPorts: 99 });
    expect(big.ok && big.plan.added.length).toBe(1 + 1 + MAX_SWITCH_PORTS);
  });

  it('a bridge or a switch goes on the selected empty root port instead of a new one', () => {
    const withPort = build(template('q35'), 'root-port');
    const port = byIndex(withPort, 1);
    const d = build(withPort, 'pcie-to-pci-bridge', { selected: port?.key });
    expect(byIndex(d, 2)).toMatchObject({ model: 'pcie-to-pci-bridge', address: { bus: 1, slot: 0 } });
    expect(d.guest.controllers).toHaveLength(3);
    // without a selection the bridge brings its own root port
    const fresh = build(template('q35'), 'pcie-to-pci-bridge');
    expect(byIndex(fresh, 1)?.model).toBe('pcie-root-port');
    expect(byIndex(fresh, 2)).toMatchObject({ model: 'pcie-to-pci-bridge', address: { bus: 1 } });
  });

  it('a pci-bridge on pseries goes on the selected vPHB and says it adds no isolation', () => {
    const demo = demoDesign();
    const r = planBlock(demo, 'pci-bridge', { selected: byIndex(demo, 1)?.key });
    if (!r.ok) throw new Error(r.reason);
    expect(r.plan.label).toBe('Add a pci-bridge on vPHB 1');
    expect(r.plan.notice).toContain('PAPR-BRIDGE-4');
    expect(byIndex(applyCommand(demo, r.plan.command), 3)).toMatchObject({ model: 'pci-bridge', address: { bus: 1 } });
  });

  it('refuses with a sentence where the machine has no room or no such bus', () => {
    expect(planBlock(template('q35'), 'vphb')).toEqual({ ok: false, reason: 'vPHBs are for pseries guests; this machine has no PHBs to add.' });
    let d = template('q35');
    for (let i = 0; i < 30; i++) d = build(d, 'root-port');
    const full = planBlock(d, 'root-port');
    expect(full).toEqual({ ok: false, reason: 'pcie-root 0 has no free slot for a root port.' });
  });

  // libvirt's q35-pcie.xml writes its 16 PCI controllers without `index`: "+ Root port" refused it
  // ("no pcie-root"), and a new controller would have taken index 0, which define gives pcie-root
  it('adds a root port, a switch and a bridge to a q35 guest whose controllers have no index, past the indexes define gives them', () => {
    const xml = "<domain type='kvm'><name>noindex</name><memory>1048576</memory><os><type arch='x86_64' machine='q35'>hvm</type></os><devices><controller type='pci' model='pcie-root'/><controller type='pci' model='pcie-root-port'/><controller type='pci' model='pcie-root-port'/><disk type='file' device='disk'><target dev='vda' bus='virtio'/></disk></devices></domain>";
    const r = createDesign(xml, undefined, 'noindex.xml');
    if (!r.ok) throw new Error(r.error.message);
    const d = r.value;
    expect(d.guest.controllers.filter((c) => c.index === undefined)).toHaveLength(3);
    const port = planBlock(d, 'root-port');
    if (!port.ok) throw new Error(port.reason);
    expect(port.plan.added).toEqual([3]);
    const added = applyCommand(d, port.plan.command).guest.controllers.find((c) => c.index === 3);
    expect(added).toMatchObject({ model: 'pcie-root-port', address: { bus: 0 } });
    for (const block of ['switch', 'pcie-to-pci-bridge'] as const) {
      const p = planBlock(d, block);
      expect(p.ok, block).toBe(true);
      if (p.ok) expect(Math.min(...p.plan.added), block).toBe(3);
    }
    expect(errors(build(d, 'root-port'))).toEqual([]);
  });
});
