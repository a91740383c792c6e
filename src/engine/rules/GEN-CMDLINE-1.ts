import type { Finding, Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { q35 } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-CMDLINE-1',
  severity: 'warning',
  title: 'Devices added by QEMU arguments are not checked',
  why: "A `-device` passed through `<qemu:commandline>` reaches QEMU as written: libvirt neither reads nor places it, so the slot and bus it takes, and any host device it passes through, are outside the design. pcitopo cannot check it either; a placement may collide with it, and only QEMU says so, at start.",
  source:
    'libvirt src/qemu/qemu_domain.c qemuDomainDefNamespaceParseCommandlineArgs (XPath ./qemu:commandline/qemu:arg, namespace http://libvirt.org/schemas/domain/qemu/1.0) and src/qemu/qemu_command.c qemuBuildCommandLine (appends each argument to the command line after the devices libvirt builds, unchecked; the domain is tainted custom-argv); QEMU softmmu/vl.c lookup_opt (`--device` reads as `-device`)',
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

export const rule: Rule = {
  meta,
  check(ctx) {
    const out: Finding[] = [];
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

export const cases = {
  pass: [
    { name: 'no <qemu:commandline>', design: q35([], []) },
    // libvirt's own qemu-ns test: arguments that add no device
    { name: 'arguments that add no device (-unknown parameter, -S)', design: withArgs(['-unknown', 'parameter', '-S']) },
    { name: "'-device' as the last argument has no value: QEMU refuses the command line itself", design: withArgs(['-S', '-device']) },
  ],
  fail: [
    { name: '-device pci-testdev on pcie.0', design: withArgs(['-chardev', 'file,id=x,path=/tmp/x', '-device', 'pci-testdev,bus=pcie.0,addr=0x5']), expect: {} },
    { name: '--device reads as -device in QEMU', design: withArgs(['--device', 'e1000,bus=pcie.0,addr=0x1f']), expect: {} },
  ],
};
