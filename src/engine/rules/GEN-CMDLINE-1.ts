import type { QemuOverride } from '../model/guest.ts';
import type { Finding, Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { at, dev, q35, rootPort } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-CMDLINE-1',
  severity: 'warning',
  title: 'Devices added, or moved, by the QEMU namespace are not checked',
  why: "A `-device` passed through `<qemu:commandline>` reaches QEMU as written: libvirt neither reads nor places it, so the slot and bus it takes, and any host device it passes through, are outside the design. A `<qemu:override>` property that sets where a device sits (`bus`, `addr`, `multifunction`, a port's `chassis`/`port`, …) is set on that device's QEMU properties past libvirt's checks: QEMU places the device elsewhere than the XML, and the design, say. pcitopo cannot check either; a placement may collide with them, and only QEMU says so, at start.",
  source:
    'libvirt src/qemu/qemu_domain.c qemuDomainDefNamespaceParseCommandlineArgs (XPath ./qemu:commandline/qemu:arg, namespace http://libvirt.org/schemas/domain/qemu/1.0) and src/qemu/qemu_command.c qemuBuildCommandLine (appends each argument to the command line after the devices libvirt builds, unchecked; the domain is tainted custom-argv); qemuDomainDefNamespaceParseOverride (./qemu:override/qemu:device[@alias]/qemu:frontend/qemu:property, libvirt ≥ 8.2) and qemu_command.c qemuBuildDeviceCommandlineHandleOverrides (sets or removes each property on the device of that alias after libvirt built its properties, unchecked; tainted custom-device); QEMU softmmu/vl.c lookup_opt (`--device` reads as `-device`)',
  families: 'all',
};

/**
 * The values of the `-device` options among QEMU arguments: `-device X` or `--device X` (QEMU reads
 * an option with one or two dashes alike, lookup_opt); a trailing `-device` has no value.
 */
export function deviceArguments(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length - 1; i++) {
    if (args[i] === '-device' || args[i] === '--device') out.push(args[++i] as string);
  }
  return out;
}

/**
 * QEMU device properties that decide where a device, or the bus a controller provides, sits in the
 * PCI topology (hw/pci/pci.c pci_props: addr, multifunction; qdev's bus; hw/pci-bridge
 * pcie_root_port/pci_bridge_dev/pci_expander_bridge: chassis, port, chassis_nr, bus_nr, numa_node;
 * hw/ppc/spapr_pci.c: index).
 */
const PLACEMENT_PROPERTIES: ReadonlySet<string> = new Set(['bus', 'addr', 'multifunction', 'chassis', 'port', 'chassis_nr', 'bus_nr', 'numa_node', 'index']);

function overrideText(o: QemuOverride): string {
  return o.type === 'remove' ? `removes ${o.name}` : `sets ${o.name}=${o.value ?? ''}`;
}

export const rule: Rule = {
  meta,
  check(ctx) {
    const out: Finding[] = [];
    const guest = ctx.design.guest;
    for (const o of guest.qemuOverrides ?? []) {
      if (!PLACEMENT_PROPERTIES.has(o.name)) continue;
      const device = guest.devices.find((d) => d.alias === o.alias);
      const controller = device ? undefined : guest.controllers.find((c) => c.alias === o.alias);
      const subject = device ? { devices: [device.key] } : controller?.index !== undefined ? { controllers: [controller.index] } : {};
      const who = device ? device.label : controller ? `${controller.model} controller ${controller.index ?? '(index unreadable)'}` : `the device with alias '${o.alias}'`;
      out.push(
        finding(
          meta,
          `<qemu:override> ${overrideText(o)} on ${who}: libvirt passes it to QEMU unchecked, so QEMU places it elsewhere than the XML, and this design, say (pcitopo checks the placement libvirt writes). Remove the override and set the address in the device's own <address>.`,
          subject,
        ),
      );
    }
    for (const value of deviceArguments(ctx.design.guest.qemuArgs ?? [])) {
      out.push(
        finding(
          meta,
          `<qemu:commandline> passes -device ${value} to QEMU: libvirt appends it to QEMU's command line unchecked, and pcitopo does not check the devices QEMU arguments add (their bus, slot and host device are not in this design). Give the device its own element in <devices> so libvirt, and pcitopo, place and check it.`,
          {},
        ),
      );
    }
    return out;
  },
};

const withArgs = (qemuArgs: readonly string[]) => {
  const d = q35([], []);
  return { ...d, guest: { ...d.guest, qemuArgs } };
};

const withOverrides = (qemuOverrides: readonly QemuOverride[]) => {
  const d = q35([{ ...rootPort(1, 1), alias: 'ua-port' }], [dev('net', 'interface', at(1, 0), { model: 'e1000e', alias: 'ua-net' })]);
  return { ...d, guest: { ...d.guest, qemuOverrides } };
};

export const cases = {
  pass: [
    { name: 'no <qemu:commandline>', design: q35([], []) },
    // libvirt's own qemu-ns test: properties that place nothing
    { name: "an override of other properties (prop1, type='remove' of prop6)", design: withOverrides([{ alias: 'ua-disk', name: 'prop1', type: 'string', value: 'propval1' }, { alias: 'ua-disk', name: 'prop6', type: 'remove' }]) },
    // libvirt's own qemu-ns test: arguments that add no device
    { name: 'arguments that add no device (-unknown parameter, -S)', design: withArgs(['-unknown', 'parameter', '-S']) },
    { name: "'-device' as the last argument has no value: QEMU refuses the command line itself", design: withArgs(['-S', '-device']) },
  ],
  fail: [
    { name: '-device pci-testdev on pcie.0', design: withArgs(['-chardev', 'file,id=x,path=/tmp/x', '-device', 'pci-testdev,bus=pcie.0,addr=0x5']), expect: {} },
    { name: '--device reads as -device in QEMU', design: withArgs(['--device', 'e1000,bus=pcie.0,addr=0x1f']), expect: {} },
    { name: "an override setting addr on a device's alias", design: withOverrides([{ alias: 'ua-net', name: 'addr', type: 'string', value: '0x7' }]), expect: { devices: ['net'] } },
    { name: "an override removing a device's bus (QEMU picks one)", design: withOverrides([{ alias: 'ua-net', name: 'bus', type: 'remove' }]), expect: { devices: ['net'] } },
    { name: "an override setting a root port's chassis", design: withOverrides([{ alias: 'ua-port', name: 'chassis', type: 'unsigned', value: '9' }]), expect: { controllers: [1] } },
    { name: 'an override of an alias no device has', design: withOverrides([{ alias: 'net0', name: 'multifunction', type: 'bool', value: 'true' }]), expect: {} },
  ],
};
