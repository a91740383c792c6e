import { describe, expect, it } from 'vitest';
import type { Design } from '../model/design.ts';
import { createDesign, exportDomain } from '../xml/domain.ts';
import { validate } from '../rules/validate.ts';
import type { PlacementPolicy } from './index.ts';
import { placeWithReport } from './index.ts';
import { domainXml, host } from '../rules/testkit.ts';

/**
 * place on designs that already have errors (issue 11): its output, validated, holds no error rule
 * the input lacks. Each input is the smallest found by the property run over mutated libvirt
 * documents (/tmp/propm/run.ts) for one kind.
 */


function designOf(xml: string): Design {
  const r = createDesign(xml, undefined, 'in.xml');
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const errorRules = (d: Design): Set<string> => new Set(validate(d).filter((f) => f.severity === 'error').map((f) => f.ruleId));

/** place's output as libvirt would read it back: exported, imported again. */
function placed(xml: string, policy: PlacementPolicy): { out: string; notes: readonly string[]; added: string[] } {
  const before = designOf(xml);
  const r = placeWithReport(before, { policy });
  const out = exportDomain(r.design);
  const had = errorRules(before);
  return { out, notes: r.notes, added: [...errorRules(designOf(out))].filter((id) => !had.has(id)) };
}

const POLICIES: readonly PlacementPolicy[] = ['libvirt', 'pe-per-phb'];

describe('place leaves a domain libvirt refuses whatever is placed unchanged', () => {
  const nic = "    <interface type='user'><model type='virtio'/></interface>";
  const refused: ReadonlyArray<{ name: string; xml: string; says: string }> = [
    {
      // libvirt's q35-wrong-root: place put root ports on a "bus 0" libvirt never builds (GEN-CONNECT-1)
      name: 'q35 with pci-root at index 0',
      xml: domainXml('q35', 'x86_64', `    <controller type='pci' index='0' model='pci-root'/>\n${nic}`),
      says: "must be model='pcie-root' for this machine type, but model='pci-root' was found instead",
    },
    {
      // pseries-usb-multi with a root port as index 0: the USB controllers landed on its bus (Q35-RP-4)
      name: 'pseries with a pcie-root-port at index 0',
      xml: domainXml('pseries', 'ppc64', `    <controller type='usb' index='0' model='piix3-uhci'/>\n    <controller type='usb' index='1' model='pci-ohci'/>\n    <controller type='pci' model='pcie-root-port' index='0'/>`),
      says: "must be model='pci-root' for this machine type, but model='pcie-root-port' was found instead",
    },
    {
      // a pci-root first, then a pci-bridge at index 0: chassisNr 0 was written (GEN-TGT-1)
      name: 'i440fx with a pci-bridge beside the pci-root at index 0',
      xml: domainXml('pc', 'x86_64', `    <controller type='pci' index='0' model='pci-root'/>\n    <controller type='pci' model='pci-bridge' index='0'/>\n${nic}`),
      says: "but model='pci-bridge' was found instead",
    },
    {
      // q35-usb2 with a root port at index 0: its function 0 was left unaddressed, functions 1-7 kept (GEN-MF-3)
      name: 'q35 with root ports and a second index 0 that is a root port',
      xml: domainXml(
        'q35',
        'x86_64',
        [`    <controller type='pci' index='0' model='pcie-root'/>`, ...[1, 2, 3, 4, 5, 6, 7].map((i) => `    <controller type='pci' index='${i}' model='pcie-root-port'/>`), `    <controller type='pci' model='pcie-root-port' index='0'/>`, nic].join('\n'),
      ),
      says: "must be model='pcie-root' for this machine type, but model='pcie-root-port' was found instead",
    },
    {
      // fuzz seed 7: a pci-root written twice at index 0; place gave both target index 0 (PAPR-PHB-5)
      name: 'pseries with two pci-roots at index 0',
      xml: domainXml('pseries', 'ppc64', `    <controller type='pci' index='0' model='pci-root'/><controller type='pci' index='0' model='pci-root'/>\n${nic}`),
      says: "Multiple 'pci' controllers with index '0'",
    },
    {
      // fuzz seed 11: a pcie-root at index 255 beside libvirt's own at 0; place put root ports
      // 249-254 on bus 255, after their own indexes (GEN-IDX-4)
      name: 'q35 with a pcie-root at index 255',
      xml: domainXml('q35', 'x86_64', `    <controller type='pci' index='255' model='pcie-root'/>\n${nic}`),
      says: 'pci-root and pcie-root controllers should have index 0',
    },
    {
      // libvirt's pci-bridge-negative-index-invalid: chassisNr -1 was written (GEN-TGT-1)
      name: 'i440fx with a pci-bridge at index -1',
      xml: domainXml('pc', 'x86_64', `    <controller type='pci' index='0' model='pci-root'/>\n    <controller type='pci' index='-1' model='pci-bridge'/>\n${nic}`),
      says: "Invalid value for attribute 'index' in element 'controller': '-1'. Expected non-negative value",
    },
    {
      // fuzz (GEN-ADDR-4): a sound card written at 00:01.2, where libvirt puts its default PIIX3
      // USB controller; place gave the controller 00:01.2 too (PC-PIIX3-2 on the input)
      name: "i440fx with a device at the PIIX3 USB controller's 00:01.2",
      xml: domainXml('pc', 'x86_64', `    <sound model='es1370'><address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x2'/></sound>\n${nic}`),
      says: 'Attempted double use of PCI Address 0000:00:01.2',
    },
    {
      // fuzz (GEN-ADDR-4): a NIC written at 00:1f.2, where libvirt puts q35's SATA controller
      // (Q35-RSV-1 on the input); place gave the SATA controller 00:1f.2 too
      name: "q35 with a device at the primary SATA controller's 00:1f.2",
      xml: domainXml('q35', 'x86_64', `    <interface type='user'><model type='e1000'/><address type='pci' domain='0x0000' bus='0x00' slot='0x1f' function='0x2'/></interface>\n${nic}`),
      says: 'Attempted double use of PCI Address 0000:00:1f.2',
    },
    {
      // fuzz seed 11 (GEN-IDX-4): a pcie-to-pci-bridge of index 2 that no bus takes (GEN-CONNECT-1);
      // the root port added for the NIC (pe-per-phb's, or the one libvirt grows) was taken by it,
      // a bus QEMU creates after the bridge
      name: 'q35 with a pcie-to-pci-bridge that no bus of a lower index takes',
      xml: domainXml(
        'q35',
        'x86_64',
        [
          "    <controller type='pci' index='0' model='pcie-root'/>",
          "    <controller type='pci' index='1' model='dmi-to-pci-bridge'><address type='pci' domain='0x0000' bus='0x00' slot='0x1e' function='0x0'/></controller>",
          "    <controller type='pci' index='2' model='pcie-to-pci-bridge'/>",
          nic,
        ].join('\n'),
      ),
      says: 'no bus of this domain has a free slot for pcie-to-pci-bridge 2',
    },
    // a number libvirt cannot read (virDomainControllerDefParseXML, virPCIDeviceAddressParseXML) is
    // refused at parse: place wrote a value of its own over it (a PHB's target index 0 beside
    // another PHB at 0: PAPR-PHB-5)
    ...[
      { where: 'target index', attr: "index='\u00a05'" },
      { where: 'target index', attr: "index='x'" },
    ].map(({ where, attr }) => ({
      name: `pseries with a PHB's ${where} written ${attr}`,
      xml: domainXml(
        'pseries',
        'ppc64',
        [
          `    <controller type='pci' index='0' model='pci-root'><model name='spapr-pci-host-bridge'/><target ${attr}/></controller>`,
          "    <controller type='pci' index='1' model='pci-root'><model name='spapr-pci-host-bridge'/><target index='0'/></controller>",
          nic,
        ].join('\n'),
      ),
      says: `the <target> of pci-root controller 0 has ${attr}`,
    })),
    {
      name: "q35 with a root port's chassis written chassis='one'",
      xml: domainXml('q35', 'x86_64', `    <controller type='pci' index='0' model='pcie-root'/>\n    <controller type='pci' index='1' model='pcie-root-port'><target chassis='one' port='0x10'/></controller>\n${nic}`),
      says: "the <target> of pcie-root-port controller 1 has chassis='one'",
    },
    {
      name: "q35 with a root port's address written slot='two'",
      xml: domainXml('q35', 'x86_64', `    <controller type='pci' index='0' model='pcie-root'/>\n    <controller type='pci' index='1' model='pcie-root-port'><address type='pci' bus='0x00' slot='two'/></controller>\n${nic}`),
      says: "the <address> of pcie-root-port controller 1 has slot='two'",
    },
    {
      name: "q35 with a disk's address written bus='0xg'",
      xml: domainXml('q35', 'x86_64', `    <controller type='pci' index='0' model='pcie-root'/>\n    <disk type='file' device='disk'><target dev='vda' bus='virtio'/><address type='pci' bus='0xg' slot='0x01'/></disk>\n${nic}`),
      says: "has bus='0xg', which libvirt cannot read as a number",
    },
    // virDomainControllerDefParseXML reads every controller's index and model, whatever its type
    // (libvirt 9.0 gives these messages); place used to take the usb controller's index 'x' for "not
    // written", and the unknown models for models it could place around
    {
      name: "q35 with a usb controller of index='x'",
      xml: domainXml('q35', 'x86_64', `    <controller type='usb' index='x' model='qemu-xhci'/>\n${nic}`),
      says: "Invalid value for attribute 'index' in element 'controller': 'x'. Expected integer value",
    },
    {
      name: "i440fx with a scsi controller of index='-1'",
      xml: domainXml('pc', 'x86_64', `    <controller type='scsi' index='-1' model='virtio-scsi'/>\n${nic}`),
      says: "Invalid value for attribute 'index' in element 'controller': '-1'. Expected non-negative value",
    },
    {
      name: "pseries with a usb controller of index='0x1' (base 10 only)",
      xml: domainXml('pseries', 'ppc64', `    <controller type='usb' index='0x1' model='qemu-xhci'/>\n${nic}`),
      says: "Invalid value for attribute 'index' in element 'controller': '0x1'. Expected integer value",
    },
    {
      name: "q35 with usb model='nonsense'",
      xml: domainXml('q35', 'x86_64', `    <controller type='usb' index='0' model='nonsense'/>\n${nic}`),
      says: "Unknown model type 'nonsense'",
    },
    {
      name: "q35 with sata model='ahci' (sata has no model)",
      xml: domainXml('q35', 'x86_64', `    <controller type='sata' index='0' model='ahci'/>\n${nic}`),
      says: "Unknown model type 'ahci'",
    },
    {
      name: "q35 with a PCI controller model='nonsense'",
      xml: domainXml('q35', 'x86_64', `    <controller type='pci' index='0' model='pcie-root'/>\n    <controller type='pci' index='1' model='nonsense'/>\n${nic}`),
      says: "Unknown model type 'nonsense'",
    },
    {
      name: "q35 with a controller of type='bogus'",
      xml: domainXml('q35', 'x86_64', `    <controller type='bogus' index='0'/>\n${nic}`),
      says: "Invalid value for attribute 'type' in element 'controller': 'bogus'.",
    },
    {
      // libvirt reads a controller's model before its index
      name: "q35 with a usb controller of index='x' and model='bogus'",
      xml: domainXml('q35', 'x86_64', `    <controller type='usb' index='x' model='bogus'/>\n${nic}`),
      says: "Unknown model type 'bogus'",
    },
    {
      // virDomainPCIAddressSetGrow: a pcie-root-port written on a bus no controller has, which
      // libvirt cannot add for a controller; the dry run threw, and place asked for a bug report
      name: 'q35 with a root port on a bus no controller has, and a root port for libvirt to place',
      xml: domainXml('q35', 'x86_64', `    <controller type='pci' index='0' model='pcie-root'/>\n    <controller type='pci' index='2' model='pcie-root-port'><address type='pci' bus='0x08' slot='0x00'/></controller>\n    <controller type='pci' model='pcie-root-port'/>`),
      says: "a PCI slot is needed to connect a PCI controller model='pcie-root-port', but none is available, and it cannot be automatically added",
    },
  ];
  for (const c of refused) {
    for (const policy of POLICIES) {
      it(`${c.name} (${policy})`, () => {
        const r = placed(c.xml, policy);
        expect(r.added).toEqual([]);
        expect(r.out).toBe(c.xml);
        expect(r.notes).toHaveLength(1);
        expect(r.notes[0]).toContain('nothing was placed: libvirt refuses such a domain whatever is placed');
        expect(r.notes[0]).toContain(c.says);
      });
    }
  }

  it('the same pcie-to-pci-bridge with no device that needs a port: pe-per-phb adds no spare root port for it to take (fuzz seed 11)', () => {
    const xml = domainXml(
      'q35',
      'x86_64',
      [
        "    <controller type='pci' index='0' model='pcie-root'/>",
        "    <controller type='pci' index='1' model='dmi-to-pci-bridge'><address type='pci' domain='0x0000' bus='0x00' slot='0x1e' function='0x0'/></controller>",
        "    <controller type='pci' index='2' model='pcie-to-pci-bridge'/>",
        "    <controller type='usb' model='none'/>",
        "    <memballoon model='none'/>",
      ].join('\n'),
    );
    const before = designOf(xml);
    const r = placeWithReport(before, { policy: 'pe-per-phb', spare: 2 });
    const had = errorRules(before);
    expect([...errorRules(r.design)].filter((id) => !had.has(id))).toEqual([]);
    expect(exportDomain(r.design)).not.toContain('pcie-root-port');
    expect(r.notes).toContainEqual(expect.stringMatching(/^no spares were added: libvirt would put pcie-to-pci-bridge 2, for which no bus of the domain has a slot, on the first of them/));
  });

  it('a controller written without an index, which libvirt numbers 0 before it looks at the root (GEN-IDX-6)', () => {
    const xml = domainXml('q35', 'x86_64', `    <controller type='pci' model='pcie-to-pci-bridge'/>\n${nic}`);
    const r = placed(xml, 'pe-per-phb');
    expect(r.out).toBe(xml);
    expect(r.notes[0]).toContain("must be model='pcie-root' for this machine type, but model='pcie-to-pci-bridge' was found instead");
  });

  it("an index libvirt cannot read at all (index='one') is refused the same way", () => {
    const xml = domainXml('pc', 'x86_64', `    <controller type='pci' index='0' model='pci-root'/>\n    <controller type='pci' index='one' model='pci-bridge'/>\n${nic}`);
    const r = placed(xml, 'libvirt');
    expect(r.out).toBe(xml);
    expect(r.notes[0]).toContain("Invalid value for attribute 'index' in element 'controller': 'one'");
  });

  it('validate reports the root port on a bus libvirt cannot add as GEN-ADDR-2, judged against no bus it invents', () => {
    for (const unindexed of ['', "\n    <controller type='pci' model='pcie-root-port'/>"]) {
      const xml = domainXml('q35', 'x86_64', `    <controller type='pci' index='0' model='pcie-root'/>\n    <controller type='pci' index='2' model='pcie-root-port'><address type='pci' bus='0x08' slot='0x00'/></controller>${unindexed}`);
      const rules = errorRules(designOf(xml));
      expect(rules).toContain('GEN-ADDR-2');
      expect(rules).not.toContain('GEN-CONNECT-3');
    }
  });

  it('the right root at index 0 is placed as usual, on each machine', () => {
    for (const [arch, machine, root] of [
      ['x86_64', 'q35', 'pcie-root'],
      ['x86_64', 'pc', 'pci-root'],
      ['ppc64', 'pseries', 'pci-root'],
      ['aarch64', 'virt', 'pcie-root'],
    ] as const) {
      const xml = domainXml(machine, arch, `    <controller type='pci' index='0' model='${root}'/>\n${nic}`);
      const r = placed(xml, 'libvirt');
      expect(r.added, machine).toEqual([]);
      expect(r.notes.join('\n'), machine).not.toContain('nothing was placed');
      expect(r.out, machine).toMatch(/<interface type='user'><model type='virtio'\/>\s*<address type='pci'/);
    }
  });
});

describe("place never leaves functions of a slot whose function 0 it left unaddressed (GEN-MF-3)", () => {
  // bus 0 full, so libvirt packs the root ports into the pcie-expander-bus's slot 0, function 0
  // first; ports 1-4 come before bus 5 and are left unaddressed (GEN-IDX-4), ports 6 and 7 were kept
  // at functions 4 and 5 of a slot with no function 0
  const nics = Array.from({ length: 0x1e }, (_, i) => i + 1)
    .filter((slot) => slot !== 2)
    .map((slot) => `    <interface type='user'><model type='e1000'/><address type='pci' domain='0x0000' bus='0x00' slot='0x${slot.toString(16).padStart(2, '0')}' function='0x0'/></interface>`);
  const xml = domainXml(
    'q35',
    'x86_64',
    [
      "    <controller type='pci' index='0' model='pcie-root'/>",
      "    <controller type='pci' index='5' model='pcie-expander-bus'><address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/></controller>",
      "    <controller type='pci' index='3' model='pcie-root-port'/>",
      "    <controller type='pci' index='7' model='pcie-root-port'/>",
      "    <controller type='usb' model='none'/>",
      "    <memballoon model='none'/>",
      ...nics,
    ].join('\n'),
  );

  for (const policy of POLICIES) {
    it(`the root ports beside the refused function 0 are left unaddressed too, with a note (${policy})`, () => {
      const r = placed(xml, policy);
      expect(r.added).toEqual([]);
      expect(r.out).not.toMatch(/bus='0x05'/);
      expect(r.notes).toContainEqual(expect.stringMatching(/^pcie-root-port 7 is left without an address as well: place put it at function 5 of bus 5 slot 0, beside pcie-root-port 1 at function 0/));
    });
  }

  it('a function the user wrote in that slot keeps its address (the rules report it)', () => {
    const mine = xml.replace("<controller type='pci' index='7' model='pcie-root-port'/>", "<controller type='pci' index='7' model='pcie-root-port'><address type='pci' domain='0x0000' bus='0x05' slot='0x00' function='0x5'/></controller>");
    const r = placed(mine, 'libvirt');
    expect(r.out).toMatch(/<controller type='pci' index='7' model='pcie-root-port'>(?:(?!<\/controller>)[\s\S])*<address type='pci' domain='0x0000' bus='0x05' slot='0x00' function='0x5'\/>/);
    expect(r.notes.join('\n')).not.toContain('pcie-root-port 7 is left without an address');
  });
});

describe('pe-per-phb adds no root port that only an unplaceable controller of a lower index would take (GEN-IDX-4)', () => {
  // libvirt can add no port for a pcie-to-pci-bridge (GEN-CONNECT-1); a port pe-per-phb adds gets
  // the next index, 2, and libvirt would put bridge 1 on it, after its own index
  const bridge = "    <controller type='pci' model='pcie-to-pci-bridge' index='1'/>";

  it('none for a pcie-to-pci-bridge whose index is below any a new port can get', () => {
    const xml = domainXml('q35', 'x86_64', [bridge, "    <controller type='usb' model='none'/>", "    <memballoon model='none'/>"].join('\n'));
    const r = placed(xml, 'pe-per-phb');
    expect(r.added).toEqual([]);
    expect(r.out).not.toContain('pcie-root-port');
  });

  it('none for a virtio-iommu, which libvirt puts on pcie-root itself (virtio-iommu-aarch64 with such a bridge)', () => {
    const xml = domainXml('virt', 'aarch64', ["    <controller type='usb' model='none'/>", "    <memballoon model='none'/>", "    <iommu model='virtio'/>", bridge].join('\n'));
    const r = placed(xml, 'pe-per-phb');
    expect(r.added).toEqual([]);
    expect(r.out).not.toContain('pcie-root-port');
    expect(r.out).toMatch(/<iommu model='virtio'>\s*<address type='pci' domain='0x0000' bus='0x00'/);
  });
});

describe('an ICH9 USB2 controller whose function its set already uses is not placed there (GEN-ADDR-4)', () => {
  // fuzz seed 7: an ich9-ehci1 written twice in one set; libvirt's qemuDomainAssignDevicePCISlots
  // reserves function 7 of the set's slot for each, and the second reservation fails
  // (virDomainPCIAddressReserveAddr: "Attempted double use of PCI Address"): libvirt refuses the domain
  const xml = domainXml(
    'q35',
    'x86_64',
    ["    <controller type='usb' index='0' model='ich9-uhci1'/>", "    <controller type='usb' index='0' model='ich9-ehci1'/><controller type='usb' index='0' model='ich9-ehci1'/>", "    <memballoon model='none'/>"].join('\n'),
  );
  for (const policy of POLICIES) {
    it(`the second is left without an address, with a note (${policy})`, () => {
      const r = placed(xml, policy);
      expect(r.added).toEqual([]);
      expect(r.out.match(/function='0x7'/g)).toHaveLength(1);
      expect(r.notes).toContainEqual(expect.stringMatching(/ich9-ehci1.*libvirt would refuse the domain/));
    });
  }
  it("validate says libvirt refuses the input (the rules' define-time prediction)", () => {
    expect([...errorRules(designOf(xml))]).toContain('GEN-CONNECT-1');
  });
});

/**
 * What validate must see on the input because libvirt's define does it, whatever place adds (fuzz
 * seeds 4, 5, 12, 13 and 27): place's output then holds no error rule the input lacks.
 */
describe('validate judges the input as libvirt defines it, so place adds no error', () => {
  const pciAt = (bus: string, slot: number): string => `<address type='pci' domain='0x0000' bus='${bus}' slot='0x${slot.toString(16).padStart(2, '0')}' function='0x0'/>`;
  const disk = (name: string, address: string): string => `    <disk type='file' device='disk'><source file='/${name}.img'/><target dev='${name}' bus='virtio'/>${address}</disk>`;
  const addedBy = (xml: string, h?: ReturnType<typeof host>): Record<PlacementPolicy, string[]> => {
    const r = createDesign(xml, h, 'in.xml');
    if (!r.ok) throw new Error(r.error.message);
    const had = errorRules(r.value);
    const out = {} as Record<PlacementPolicy, string[]>;
    for (const policy of POLICIES) out[policy] = [...errorRules(placeWithReport(r.value, { policy }).design)].filter((id) => !had.has(id));
    return out;
  };

  it("i440fx with a full pci-root and a disk on bus '010' (8: libvirt reads numbers with base 0), which no controller has", () => {
    // virDomainPCIAddressSetGrow adds pci-bridges 1-8 for it in the dry run, and bridge 1 finds no slot before its own bus
    const full = Array.from({ length: 30 }, (_, i) => disk(`vd${i + 2}`, pciAt('0x00', i + 2)));
    const xml = domainXml('pc', 'x86_64', [...full, disk('vdz', pciAt('010', 1)), "    <controller type='pci' index='0' model='pci-root'/>", "    <memballoon model='none'/>"].join('\n'));
    expect(addedBy(xml)).toEqual({ libvirt: [], 'pe-per-phb': [] });
    expect(errorRules(designOf(xml))).toContain('GEN-IDX-4');
  });

  it('pseries with one member of an IOMMU group written on the default PHB and the other left to libvirt', () => {
    // qemuDomainSetupIsolationGroups: libvirt puts no hostdev on the default PHB, so it gives the second a PHB of its own
    const h = host({ groups: { 7: ['0000:01:00.0', '0000:01:00.1'] } });
    const hd = (fn: number, address = ''): string => `    <hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x01' slot='0x00' function='0x${fn}'/></source>${address}</hostdev>`;
    const xml = domainXml('pseries', 'ppc64', [hd(0, pciAt('0x00', 1)), hd(1)].join('\n'));
    expect(addedBy(xml, h)).toEqual({ libvirt: [], 'pe-per-phb': [] });
    const r = createDesign(xml, h, 'in.xml');
    expect(r.ok && errorRules(r.value)).toContain('PAPR-ISO-5');
  });

  it('q35 with a SATA controller written at 0100:00:1f.2, beside the SATA controller 0 libvirt puts at 0000:00:1f.2', () => {
    // virDomainPCIAddressValidate refuses the domain (GEN-ADDR-1) before any double use
    const xml = domainXml('q35', 'x86_64', ["    <controller type='sata' index='3'><address type='pci' domain='0x100' bus='0x00' slot='0x1f' function='0x2'/></controller>", "    <memballoon model='none'/>"].join('\n'));
    expect(addedBy(xml)).toEqual({ libvirt: [], 'pe-per-phb': [] });
    expect(errorRules(designOf(xml))).toContain('GEN-ADDR-1');
  });
});

describe("pe-per-phb gives the primary video whose 00:01.0 is taken its root port before the bridges' (GEN-IDX-4)", () => {
  // fuzz seed 38: qemuDomainValidateDevicePCISlotsQ35 puts such a video on the next free slot before
  // libvirt places any controller, so it took port 1, meant for pcie-to-pci-bridge 2, which landed on port 3
  const xml = domainXml(
    'q35',
    'x86_64',
    [
      "    <interface type='user'><model type='e1000e'/><address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/></interface>",
      "    <interface type='user'><model type='e1000'/></interface>",
      "    <video><model type='virtio'/></video>",
      "    <controller type='usb' model='none'/>",
      "    <memballoon model='none'/>",
    ].join('\n'),
  );
  for (const policy of POLICIES) {
    it(`no bridge numbered below its port (${policy})`, () => {
      const r = placed(xml, policy);
      expect(r.added).toEqual([]);
      expect(r.notes.join('\n')).not.toContain('which QEMU creates after it');
    });
  }
  it('the video on the first port, the bridge on the next', () => {
    const r = placed(xml, 'pe-per-phb');
    expect(r.out).toMatch(/<video><model type='virtio'\/>\s*<address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'\/>/);
    expect(r.out).toMatch(/<controller type='pci' index='3' model='pcie-to-pci-bridge'>(?:(?!<\/controller>)[\s\S])*bus='0x02'/);
  });
});

describe('pseries whose devices the 31 vPHBs have no room for: place writes no vPHB past target index 30 (PAPR-PHB-2)', () => {
  // libvirt 9.0: 958 virtio NICs without an address define on pseries, 959 do not (the vPHB
  // virDomainPCIAddressSetGrow adds gets target index 31: "out of range - must be 0-30"); with 1,000
  // the placement once wrote vPHBs 31-32, 32 without a target index (PAPR-ISO-9 on its output)
  const xml = domainXml('pseries', 'ppc64le', Array.from({ length: 1000 }, () => "    <interface type='user'><model type='virtio'/></interface>").join('\n'));
  it('validate says libvirt refuses the input', () => {
    expect(errorRules(designOf(xml))).toEqual(new Set(['PAPR-PHB-2']));
  });
  for (const policy of POLICIES) {
    it(`no new error on the output (${policy})`, () => {
      const r = placed(xml, policy);
      expect(r.added).toEqual([]);
      expect(r.out).not.toMatch(/<target index='3[1-9]'/);
    });
  }
  it('libvirt policy: the note names the refusal, and the vPHBs are not written', () => {
    const r = placed(xml, 'libvirt');
    expect(r.notes).toContain(`libvirt would add 2 vPHBs from 31 on for devices the 31 vPHBs have no room for, and refuse the domain ("PCI controller target index '31' out of range - must be 0-30"); they are not written, nor the addresses on them`);
    expect(r.out).toMatch(/<controller type='pci' index='30' model='pci-root'>/);
    expect(r.out).not.toMatch(/index='3[1-9]' model='pci-root'/);
  });
});

describe('virt whose e1000 NICs the buses libvirt adds have no room for: place adds no other refusal (GEN-IDX-4)', () => {
  // real libvirt 9.0 refuses the input ("a PCI slot is needed to connect a PCI controller
  // model='pci-bridge' ..."); the libvirt policy once wrote the 61 it places, and libvirt, defining
  // that, put the pci-bridge it adds for the 62nd on its own bus ("PCI controller at index 4 (0x04)
  // has bus='0x04', but index must be larger than bus"): GEN-IDX-4 on the output, not on the input
  const xml = domainXml('virt', 'aarch64', Array.from({ length: 62 }, () => "    <interface type='user'><model type='e1000'/></interface>").join('\n'));
  it('validate says libvirt refuses the input', () => {
    expect(errorRules(designOf(xml))).toEqual(new Set(['GEN-CONNECT-1']));
  });
  for (const policy of POLICIES) {
    it(`no new error on the output (${policy})`, () => {
      expect(placed(xml, policy).added).toEqual([]);
    });
  }
  it('libvirt policy: nothing is placed, and the note says both refusals', () => {
    const r = placed(xml, 'libvirt');
    expect(r.out).toBe(xml);
    expect(r.notes).toEqual([
      "nothing was placed: libvirt refuses such a domain (no free slot for e1000 interface #62: libvirt would refuse the domain), and the rest written where libvirt puts it would be refused otherwise (libvirt refuses the domain: it would put pci-bridge 4 on bus 4 (\"PCI controller at index 4 (0x04) has bus='0x04', but index must be larger than bus\"); see validate)",
    ]);
  });
});

describe('i440fx whose e1000 NICs libvirt refuses in its dry run only: place adds no other refusal (GEN-IDX-4)', () => {
  // real libvirt 9.0 refuses 271 e1000 NICs on pc ("a PCI slot is needed to connect a PCI controller
  // model='pci-bridge' ..."), its second pass placing them all; the libvirt policy once wrote that
  // placement, which libvirt then refused another way ("PCI controller at index 7 (0x07) has
  // bus='0x08' ..."): GEN-IDX-4 on the output (issue 11's tester6)
  const xml = domainXml('pc', 'x86_64', Array.from({ length: 271 }, () => "    <interface type='network'><source network='default'/><model type='e1000'/></interface>").join('\n'));
  it('validate says libvirt refuses the input', () => {
    expect(errorRules(designOf(xml))).toEqual(new Set(['GEN-CONNECT-1']));
  });
  for (const policy of POLICIES) {
    it(`no new error on the output (${policy})`, () => {
      expect(placed(xml, policy).added).toEqual([]);
    });
  }
  it('libvirt policy: nothing is placed, with libvirt\'s refusal', () => {
    const r = placed(xml, 'libvirt');
    expect(r.out).toBe(xml);
    expect(r.notes[0]).toMatch(/^nothing was placed: libvirt refuses such a domain \("a PCI slot is needed to connect a PCI controller model='pci-bridge', but none is available, and it cannot be automatically added"\), and the rest written where libvirt puts it would be refused otherwise/);
  });
  // pe-per-phb on i440fx is libvirt's own assignment, whose second pass filled buses 7-8 without
  // the pci-bridges the failed dry run never added; real libvirt 9.0 refused that output ("PCI
  // controller at index 7 (0x07) has bus='0x08', but index must be larger than bus")
  it('pe-per-phb: nothing is placed either, with both refusals in libvirt\'s words', () => {
    const r = placed(xml, 'pe-per-phb');
    expect(r.out).toBe(xml);
    expect(r.notes).toEqual([
      `nothing was placed: libvirt refuses such a domain ("a PCI slot is needed to connect a PCI controller model='pci-bridge', but none is available, and it cannot be automatically added"), and the rest written where pe-per-phb puts it would be refused otherwise (libvirt refuses the domain: it would put pci-bridge 7 on bus 8 ("PCI controller at index 7 (0x07) has bus='0x08', but index must be larger than bus"); see validate)`,
    ]);
  });
  it('pe-per-phb with spares asked: the same (i440fx has none to give)', () => {
    const r = placeWithReport(designOf(xml), { policy: 'pe-per-phb', spare: 2 });
    expect(exportDomain(r.design)).toBe(xml);
    expect(r.notes[0]).toMatch(/^nothing was placed: libvirt refuses such a domain/);
  });
  it('pe-per-phb still places 250 NICs, which libvirt accepts on the same machine', () => {
    const fits = domainXml('pc', 'x86_64', Array.from({ length: 250 }, () => "    <interface type='network'><source network='default'/><model type='e1000'/></interface>").join('\n'));
    const r = placed(fits, 'pe-per-phb');
    expect(r.out).not.toBe(fits);
    expect(r.added).toEqual([]);
  });
});

describe('pseries with a pci-bridge written without an address, a host group and PHB 0 filled by emulated devices: place adds no error (GEN-IDX-4)', () => {
  // issue 11's tester7 (generated design, seed 5): validate finds no error on the input; pe-per-phb
  // gave the host group its vPHB, filled PHB 0 with the NICs and left the user's pci-bridge 2
  // unaddressed, so libvirt, placing that bridge at define, finds no slot below its index outside
  // the host group's vPHB ("PCI controller at index 2 (0x02) has bus='0x02' ..."). libvirt places
  // the PCI controllers first (qemuDomainAssignDevicePCISlots): real libvirt 9.0 defines the input
  // with the bridge at 00:01.0.
  const nics = Array.from({ length: 30 }, () => "    <interface type='user'><model type='virtio'/></interface>");
  const hostdevXml = "    <hostdev mode='subsystem' type='pci' managed='no'><source><address domain='0x0000' bus='0x01' slot='0x01' function='0x1'/></source></hostdev>";
  const xml = domainXml('pseries', 'ppc64', ["    <controller type='pci' index='2' model='pci-bridge'/>", ...nics, hostdevXml].join('\n'));
  it('validate finds no error on the input', () => {
    expect(errorRules(designOf(xml))).toEqual(new Set());
  });
  for (const policy of POLICIES) {
    it(`no new error on the output (${policy})`, () => {
      expect(placed(xml, policy).added).toEqual([]);
    });
  }
  it('pe-per-phb puts the bridge on PHB 0 before the emulated devices, as libvirt does', () => {
    expect(placed(xml, 'pe-per-phb').out).toMatch(/<controller type='pci' index='2' model='pci-bridge'>(?:(?!<\/controller>)[\s\S])*<address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'\/>/);
  });
});

describe('q35 with more virtio NICs than pcie-root has functions for root ports: place adds no error (GEN-IDX-1)', () => {
  // issue 11's tester7: libvirt 9.0 refuses the input ("a PCI slot is needed to connect a PCI
  // controller model='pcie-root-port' …"); the libvirt policy writes the ports and NICs it places and
  // leaves the last root ports and NICs unaddressed. libvirt refuses that output the same way, in its
  // address assignment, before it checks any index: validate said GEN-IDX-1 too ("index 256 too high")
  const xml = domainXml('q35', 'x86_64', Array.from({ length: 260 }, () => "    <interface type='user'><model type='virtio'/></interface>").join('\n'));
  it('validate says libvirt refuses the input', () => {
    expect(errorRules(designOf(xml))).toEqual(new Set(['GEN-CONNECT-1']));
  });
  it('no new error on the output (libvirt)', () => {
    expect(placed(xml, 'libvirt').added).toEqual([]);
  });
});
