import { DEMO_DOMAIN_XML, DEMO_HOST_XML, MACHINE_TEMPLATES, createDesign, importHost } from '../../src/engine/index.ts';
import type { Design, Host } from '../../src/engine/index.ts';

/** Designs with unaddressed devices for placement tests: what a user brings before auto-place. */

export function demoHost(): Host {
  const r = importHost(DEMO_HOST_XML, 'demo-host.xml');
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

export function designOf(xml: string, host?: Host): Design {
  const r = createDesign(xml, host, 'test.xml');
  if (!r.ok) throw new Error(`${r.error.message} (line ${r.error.line})`);
  return r.value;
}

/** The demo with every PCI address removed, plus the two host groups it does not pass through yet. */
export function bareDemoXml(): string {
  const bare = DEMO_DOMAIN_XML.replace(/\n\s*<address type='pci'[^>]*\/>/g, '');
  const extra = ['0001:01:00.0', '0001:01:00.1', '0001:01:00.2', '0001:01:00.3', '0035:03:00.0']
    .map((a) => {
      const [domain, bus, sf] = a.split(':') as [string, string, string];
      const [slot, fn] = sf.split('.') as [string, string];
      return `    <hostdev mode='subsystem' type='pci' managed='yes'>\n      <source>\n        <address domain='0x${domain}' bus='0x${bus}' slot='0x${slot}' function='0x${fn}'/>\n      </source>\n    </hostdev>\n`;
    })
    .join('');
  return bare.replace('    <memballoon', `${extra}    <memballoon`);
}

/**
 * A q35 or virt guest with PCIe and conventional endpoints and two hostdevs, nothing addressed.
 * It has no `<controller type='usb'>` and no `<memballoon>`: on q35 libvirt adds both at define time
 * (on ARM virt neither), into the first empty root ports, so placement must keep ports for them
 * apart from the spares (issue 5; placement/defineTime.ts).
 */
export function barePcieXml(machine: 'q35' | 'virt'): string {
  const devices = `    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/var/lib/libvirt/images/guest.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='network'>
      <source network='default'/>
      <model type='virtio'/>
    </interface>
    <interface type='network'>
      <source network='default'/>
      <model type='e1000'/>
    </interface>
    <hostdev mode='subsystem' type='pci' managed='yes'>
      <source>
        <address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
      </source>
    </hostdev>
    <hostdev mode='subsystem' type='pci' managed='yes'>
      <source>
        <address domain='0x0000' bus='0x01' slot='0x00' function='0x1'/>
      </source>
    </hostdev>
`;
  return MACHINE_TEMPLATES[machine].replace('  </devices>', `${devices}  </devices>`);
}
