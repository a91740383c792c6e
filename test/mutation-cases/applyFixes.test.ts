import { describe, expect, it } from 'vitest';
import { applyCommand, CommandError } from '../../src/engine/commands/commands.ts';
import { applyFixes, validate } from '../../src/engine/rules/validate.ts';
import { cases as swCases } from '../../src/engine/rules/Q35-SW-2.ts';
import { at, ctrl, dev, q35, rootPort } from '../../src/engine/rules/testkit.ts';

/**
 * `validate --fix` (applyFixes, src/engine/rules/validate.ts) beyond validate.test.ts (issue 11;
 * docs/mutation.md, "mutctx"): it counts errors, what libvirt refuses, and nothing else.
 */

describe('applyFixes', () => {
  it('applies a fix that clears an error even when it brings a warning: only errors are counted', () => {
    // a disk on a pcie-switch-upstream-port: libvirt refuses it (virDomainPCIAddressFlagsCompatible,
    // GEN-CONNECT-3); the fix moves it to a new root port and leaves the upstream port empty, which
    // GEN-HP-1 warns is no hotplug spare (downstream ports cannot be hot-plugged into it)
    const d = q35([rootPort(1, 1), ctrl('pcie-switch-upstream-port', 2, { address: at(1, 0) })], [dev('vda', 'disk', at(2, 0))]);
    const sev = (x: typeof d) => validate(x).filter((f) => f.severity !== 'info').map((f) => `${f.severity} ${f.ruleId}`);
    expect(sev(d)).toEqual(['error GEN-CONNECT-3', 'warning Q35-HP-1']);
    const fixed = applyFixes(d);
    expect(sev(fixed)).toEqual(['warning GEN-HP-1', 'warning Q35-HP-1']);
    expect(fixed.guest.devices.find((x) => x.key === 'vda')?.address).toMatchObject({ bus: 3, slot: 0 });
  });

  it('applies only the fixes of errors: a warning\'s fix that would clear an error too is left to the user', () => {
    // an upstream port straight on pcie-root: libvirt refuses it (GEN-CONNECT-3), and with no port
    // before it libvirt cannot place it either, so the error has no fix; GEN-HP-1's fix (remove the
    // empty upstream port) would clear it, but removing a written controller is the user's call
    const d = q35([ctrl('pcie-switch-upstream-port', 1, { address: at(0, 2) })], []);
    const gen = validate(d).filter((f) => f.ruleId.startsWith('GEN-'));
    expect(gen.map((f) => [f.severity, f.ruleId, f.fixes?.map((x) => x.label)])).toEqual([
      ['error', 'GEN-CONNECT-3', undefined],
      ['warning', 'GEN-HP-1', ['Remove the empty pcie-switch-upstream-port (controller 1)']],
    ]);
    expect(applyFixes(d)).toBe(d);
  });

  it('skips a fix whose command is refused (CommandError) and applies the next error\'s fix', () => {
    // pcie-root's slots 1-31 written (31 is the ICH9 LPC bridge's: Q35-RSV-1, qemuDomainValidateDevicePCISlotsQ35),
    // and a pcie-root-port index 3 without an address above two root ports libvirt adds for the gap
    // (import shows them implicit): none of the three has a slot ("a PCI slot is needed to connect a PCI
    // controller model='pcie-root-port', but none is available", virDomainPCIAddressSetGrow). GEN-CONNECT-1's
    // fix removes all three, and remove-controller refuses the implicit ones.
    const full = Array.from({ length: 31 }, (_, i) => dev(`e${i + 1}`, 'rng', at(0, i + 1), { model: 'virtio' }));
    const d = q35([ctrl('pcie-root-port', 1, { implicit: true }), ctrl('pcie-root-port', 2, { implicit: true }), ctrl('pcie-root-port', 3)], full);
    const errors = validate(d).filter((f) => f.severity === 'error');
    expect(errors.map((f) => f.ruleId)).toEqual(['GEN-CONNECT-1', 'Q35-RSV-1']);
    const refused = errors[0]?.fixes?.[0]?.command;
    expect(refused && (() => applyCommand(d, refused))).toThrow(CommandError);
    const fixed = applyFixes(d);
    expect(fixed.guest.devices.find((x) => x.key === 'e31')?.address).toMatchObject({ bus: 1, slot: 0 });
    expect(validate(fixed).filter((f) => f.severity === 'error').map((f) => f.ruleId)).toEqual(['GEN-CONNECT-1']);
  });

  it('three devices at one address: each round names fewer of them, so every clash is moved (not only when the error count drops)', () => {
    // virDomainPCIAddressReserveAddrInternal refuses the second and third ("Attempted double use of PCI
    // Address"); GEN-ADDR-4 is one error naming all three, then one naming two after its fix moves one
    const d = q35([rootPort(1, 1), rootPort(2, 2), rootPort(3, 3)], [dev('a', 'disk', at(1, 0)), dev('b', 'disk', at(1, 0)), dev('c', 'disk', at(1, 0))]);
    expect(validate(d).filter((f) => f.severity === 'error').map((f) => [f.ruleId, f.subjects.devices])).toEqual([['GEN-ADDR-4', ['a', 'b', 'c']]]);
    const fixed = applyFixes(d);
    expect(validate(fixed).filter((f) => f.severity === 'error')).toEqual([]);
    expect(fixed.guest.devices.map((x) => [x.key, x.address?.bus, x.address?.slot])).toEqual([
      ['a', 1, 0],
      ['b', 3, 0],
      ['c', 2, 0],
    ]);
  });

  it('a fix that leaves the errors as heavy is not applied: 240 pci-bridges, GEN-IDX-4\'s renumbering of the first leaves the next with the same error', () => {
    // q35 with pci-bridges 1-240 and no addresses: libvirt puts bridge 1 on its own bus 1
    // (qemuDomainAssignPCIAddresses, controllers by index), which it refuses; renumbering it moves the
    // error to the next bridge, one error naming one controller before and after
    const [fail] = swCases.fail;
    const d = fail!.design;
    const errors = validate(d).filter((f) => f.severity === 'error');
    expect(errors.map((f) => [f.ruleId, f.subjects])).toEqual([['GEN-IDX-4', { controllers: [1] }]]);
    const next = applyCommand(d, errors[0]!.fixes![0]!.command);
    expect(validate(next).filter((f) => f.severity === 'error').map((f) => [f.ruleId, f.subjects.controllers?.length])).toEqual([['GEN-IDX-4', 1]]);
    expect(applyFixes(d)).toBe(d);
  });
});
