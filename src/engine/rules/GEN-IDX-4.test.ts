import { describe, expect, it } from 'vitest';
import { validate } from './validate.ts';
import { at, ctrl, pseries, q35 } from './testkit.ts';

// GEN-IDX-4's messages name buses as libvirt writes them in the XML: hex (bus='0x11'), never decimal
describe('GEN-IDX-4 names the bus in hex', () => {
  it('a written address: bus as the XML writes it', () => {
    // bridge 10 on bridge 17 (0x11): in decimal the bus would read 17, which is not what the XML says
    const d = pseries([ctrl('pci-bridge', 17, { address: at(0, 1), target: { chassisNr: 17 } }), ctrl('pci-bridge', 10, { address: at(17, 1), target: { chassisNr: 10 } })], []);
    const f = validate(d).find((x) => x.ruleId === 'GEN-IDX-4');
    expect(f?.message).toContain("has bus='0x11'");
    expect(f?.message).not.toMatch(/\bbus=17\b/);
  });

  it('a controller libvirt places: the bus it lands on, in hex', () => {
    // libvirt puts upstream port 1 on root port 2, which comes after it
    const d = q35([ctrl('pcie-switch-upstream-port', 1), ctrl('pcie-root-port', 2)], []);
    const f = validate(d).find((x) => x.ruleId === 'GEN-IDX-4');
    expect(f?.message).toContain('on bus 0x02 (');
    expect(f?.message).toContain("\"Bus 'pci.2' not found\"");
  });
});
