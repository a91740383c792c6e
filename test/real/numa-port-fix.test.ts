/**
 * Q35-NUMA-1's fix against the real libvirt and QEMU (scripts/test-real.mjs): the root port it adds
 * on the pcie-expander-bus of the device's cell goes beside the expander's used root port, in a free
 * function of its slot (02:00.1, multifunction='on' on 02:00.0), as libvirt's search on that bus
 * places a root port (virDomainPCIAddressFindUnusedFunctionOnBus, src/conf/domain_addr.c); libvirt
 * defines the fixed guest and QEMU starts it with the port there and the device behind it.
 */
import { describe, expect, it } from 'vitest';
import { DEMO_HOST_XML, exportDomain, importHost, validate } from '../../src/engine/index.ts';
import { applyCommand } from '../../src/engine/commands/commands.ts';
import { formatVerifyReport } from '../../src/cli/verify/index.ts';
import { firstFix, verify } from './helpers.ts';
import { designOf } from '../support/designs.ts';

const SAS = '0033:01:00.0';
const xml = `<domain type='kvm'>
  <name>numa-port-fix</name>
  <memory unit='MiB'>1024</memory>
  <vcpu>2</vcpu>
  <numatune>
    <memnode cellid='0' mode='strict' nodeset='0'/>
    <memnode cellid='1' mode='strict' nodeset='8'/>
  </numatune>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
  </os>
  <cpu>
    <numa>
      <cell id='0' cpus='0' memory='512' unit='MiB'/>
      <cell id='1' cpus='1' memory='512' unit='MiB'/>
    </numa>
  </cpu>
  <devices>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' index='1' model='pcie-root-port'>
      <target chassis='1' port='0x8'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
    </controller>
    <controller type='pci' index='2' model='pcie-expander-bus'>
      <target busNr='254'>
        <node>1</node>
      </target>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>
    </controller>
    <controller type='pci' index='3' model='pcie-root-port'>
      <target chassis='3' port='0x0'/>
      <address type='pci' domain='0x0000' bus='0x02' slot='0x00' function='0x0'/>
    </controller>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='/var/lib/libvirt/images/vda.img'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x03' slot='0x00' function='0x0'/>
    </disk>
    <hostdev mode='subsystem' type='pci' managed='yes'>
      <source>
        <address domain='0x0033' bus='0x01' slot='0x00' function='0x0'/>
      </source>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
    </hostdev>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>
`;

describe('Q35-NUMA-1: the port its fix adds on the expander', () => {
  it('goes to 02:00.1 beside root port 3, the expander renumbered to fit it; libvirt and QEMU take the fixed guest with the device behind it', async () => {
    const host = importHost(DEMO_HOST_XML, 'demo-host.xml');
    if (!host.ok) throw new Error(host.error.message);
    const d = designOf(xml, host.value);
    const fix = firstFix(d, 'Q35-NUMA-1');
    // a second port below the expander of busNr 254 needs bus 256: the fix gives it busNr 253 (GEN-TGT-1)
    expect(fix.label).toBe(`Move hostdev ${SAS} behind a new pcie-root-port 4 on expander bus 2 (NUMA cell 1), its busNr 253`);
    const fixed = applyCommand(d, fix.command);
    expect(validate(fixed).filter((f) => f.severity === 'error')).toEqual([]);
    const r = await verify(exportDomain(fixed));
    if (r.stage !== 'done') console.log(formatVerifyReport(r));
    expect(r.stage).toBe('done');
    const at = (key: string) => r.devices.find((x) => x.key === key);
    expect([at('pci-ctrl-4')?.libvirt, at('pci-ctrl-4')?.qemu?.slot, at('pci-ctrl-4')?.qemu?.function]).toEqual([{ bus: 2, slot: 0, function: 1 }, 0, 1]);
    expect(r.devices.find((x) => x.label.includes(SAS))?.libvirt).toEqual({ bus: 4, slot: 0, function: 0 });
  });
});
