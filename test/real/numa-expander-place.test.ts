/**
 * `place --policy pe-per-phb` on q35 and aarch64 virt with a pcie-expander-bus for guest cell 1, against the real
 * libvirt and QEMU (scripts/test-real.mjs): the two hostdevs of host node 8 (the demo host's second
 * node, guest cell 1 by the numatune) go behind root ports the placement adds on the expander, the
 * one of host node 0 under pcie.0 (no expander carries cell 0: a note says so); libvirt defines
 * the placed guest with the ports where place wrote them and QEMU starts it with the devices behind
 * them. The Q35-NUMA-1 warnings on the output are the node-0 one only.
 */
import { describe, expect, it } from 'vitest';
import { DEMO_HOST_XML, exportDomain, importHost, placeWithReport, validate } from '../../src/engine/index.ts';
import { formatVerifyReport } from '../../src/cli/verify/index.ts';
import { verify } from './helpers.ts';
import { designOf } from '../support/designs.ts';

const hostdev = (domain: string, bus: string): string => `    <hostdev mode='subsystem' type='pci' managed='yes'>
      <source>
        <address domain='0x${domain}' bus='0x${bus}' slot='0x00' function='0x0'/>
      </source>
    </hostdev>
`;
const xml = (arch: string, machine: string): string => `<domain type='kvm'>
  <name>numa-expander-place</name>
  <memory unit='MiB'>1024</memory>
  <vcpu>2</vcpu>
  <numatune>
    <memnode cellid='0' mode='strict' nodeset='0'/>
    <memnode cellid='1' mode='strict' nodeset='8'/>
  </numatune>
  <os>
    <type arch='${arch}' machine='${machine}'>hvm</type>
  </os>
  <cpu>
    <numa>
      <cell id='0' cpus='0' memory='512' unit='MiB'/>
      <cell id='1' cpus='1' memory='512' unit='MiB'/>
    </numa>
  </cpu>
  <devices>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' index='1' model='pcie-expander-bus'>
      <target busNr='200'>
        <node>1</node>
      </target>
    </controller>
${hostdev('0033', '01')}${hostdev('0035', '03')}${hostdev('0030', '01')}    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>
`;

describe('place --policy pe-per-phb: hostdevs behind the pcie-expander-bus of their NUMA cell', () => {
  it.each([
    ['q35', 'x86_64'],
    ['virt', 'aarch64'],
  ])('%s: the node-8 hostdevs go behind new root ports on expander 1 (cell 1); libvirt and QEMU take the placed guest as written', async (machine, arch) => {
    const host = importHost(DEMO_HOST_XML, 'demo-host.xml');
    if (!host.ok) throw new Error(host.error.message);
    const d = designOf(xml(arch, machine), host.value);
    const placed = placeWithReport(d, { policy: 'pe-per-phb' });
    expect(placed.notes).toEqual(['hostdev 0030:01:00.0 is on guest NUMA cell 0, which no pcie-expander-bus carries: it is placed off its cell (Q35-NUMA-1); add a pcie-expander-bus with <node>0</node> to place it on its cell']);
    const numa = validate(placed.design).filter((f) => f.ruleId === 'Q35-NUMA-1');
    expect(numa.map((f) => f.subjects.devices)).toEqual([['0030:01:00.0'].map((a) => placed.design.guest.devices.find((x) => x.hostAddress && x.label.includes(a))?.key)]);
    const r = await verify(exportDomain(placed.design));
    if (r.stage !== 'done') console.log(formatVerifyReport(r));
    expect(r.stage).toBe('done');
    const ports = placed.design.guest.controllers.filter((c) => c.model === 'pcie-root-port' && c.address?.bus === 1);
    expect(ports.length).toBe(2);
    for (const a of ['0033:01:00.0', '0035:03:00.0']) {
      const bus = r.devices.find((x) => x.label.includes(a))?.libvirt?.bus;
      expect(ports.map((c) => c.index), a).toContain(bus);
    }
    for (const c of ports) {
      const row = r.devices.find((x) => x.label === `pcie-root-port (controller ${c.index ?? '?'})`);
      expect(row?.libvirt, `${c.model} ${c.index}`).toEqual({ bus: 1, slot: c.address?.slot, function: 0 });
      expect(row?.qemu?.slot, `${c.model} ${c.index} in QEMU`).toBe(c.address?.slot);
    }
  });

  it('q35: a conventional PCI hostdev of node 8 goes behind a pcie-to-pci-bridge on a root port of the expander; libvirt and QEMU take it as written', async () => {
    // the demo host with the GPU 0035:03:00.0 as conventional PCI (no <pci-express>)
    const conventional = DEMO_HOST_XML.replace(/(<name>pci_0035_03_00_0<\/name>[\s\S]*?)<pci-express>[\s\S]*?<\/pci-express>/, '$1');
    expect(conventional).not.toBe(DEMO_HOST_XML);
    const host = importHost(conventional, 'demo-host.xml');
    if (!host.ok) throw new Error(host.error.message);
    const placed = placeWithReport(designOf(xml('x86_64', 'q35'), host.value), { policy: 'pe-per-phb' });
    const g = placed.design.guest;
    const gpu = g.devices.find((x) => x.label.includes('0035:03:00.0'));
    const bridge = g.controllers.find((c) => c.index === gpu?.address?.bus);
    expect(bridge?.model).toBe('pcie-to-pci-bridge');
    const port = g.controllers.find((c) => c.index === bridge?.address?.bus);
    expect([port?.model, port?.address?.bus]).toEqual(['pcie-root-port', 1]);
    expect(validate(placed.design).filter((f) => f.ruleId === 'Q35-NUMA-1' && f.subjects.devices?.includes(gpu?.key ?? ''))).toEqual([]);
    const r = await verify(exportDomain(placed.design));
    if (r.stage !== 'done') console.log(formatVerifyReport(r));
    expect(r.stage).toBe('done');
    expect(r.devices.find((x) => x.label.includes('0035:03:00.0'))?.libvirt).toEqual({ bus: bridge?.index, slot: gpu?.address?.slot, function: 0 });
  });
});
