import { describe, expect, it } from 'vitest';
import type { Guest } from '../model/guest.ts';
import { machineProfile } from '../machines/index.ts';
import { defineDomain } from '../placement/defineTime.ts';
import { createDesign } from '../xml/domain.ts';
import { placementsUnread } from './qemuDomainAddress.ts';

/**
 * What define's free-slot searches read (AssignResult.reach) and the edits that cannot change what
 * they find (placementsUnread): the canvas keeps the last run's added devices on such an edit.
 */
function guestOf(xml: string): Guest {
  const d = createDesign(xml);
  if (!d.ok) throw new Error(d.error.message);
  return d.value.guest;
}
const at = (bus: number, slot: number) => `<address type='pci' domain='0x0000' bus='${bus}' slot='${slot}' function='0x0'/>`;
const disk = (dev: string, address = '') => `<disk type='file' device='disk'><source file='/${dev}.img'/><target dev='${dev}' bus='virtio'/>${address}</disk>`;
const vphb = (i: number) => `<controller type='pci' index='${i}' model='pci-root'><model name='spapr-pci-host-bridge'/><target index='${i}'/></controller>`;
// libvirt adds a USB controller and a memballoon (not written); vdz has no address: all three go to vPHB 0
const pseries = guestOf(`<domain type='kvm'><name>p</name><memory unit='GiB'>4</memory><os><type arch='ppc64le' machine='pseries'>hvm</type></os><devices>
  ${[0, 1, 2, 3].map(vphb).join('')}
  ${disk('vda', at(0, 2))}${disk('vdb', at(0, 5))}${disk('vdc', at(1, 1))}${disk('vdd', at(2, 1))}${disk('vde', at(3, 4))}${disk('vdz')}
</devices></domain>`);
const machine = machineProfile(pseries);

/** where define puts what the guest does not address (added devices, vdz), by key */
function placed(g: Guest): string[] {
  const own = new Map(g.devices.map((d) => [d.key, d]));
  return (defineDomain(g, undefined)?.guest.devices ?? []).filter((d) => d.address && !own.get(d.key)?.address).map((d) => `${d.key} ${d.address?.bus}:${d.address?.slot}.${d.address?.function}`);
}
function moved(g: Guest, key: string, bus: number, slot: number): Guest {
  return { ...g, devices: g.devices.map((d) => (d.key === key ? { ...d, address: { domain: 0, bus, slot, function: 0 } } : d)) };
}

describe('placementsUnread', () => {
  it('reads no bus above the one the searches stop at: the first with room, vPHB 0 here', () => {
    expect(defineDomain(pseries, undefined)?.reach).toBe(0);
    expect(placed(pseries)).toHaveLength(3);
  });

  it('says unchanged only where define places everything as before (every move of every written disk to every bus, slots 1-6)', () => {
    const reach = defineDomain(pseries, undefined)?.reach ?? Infinity;
    const before = placed(pseries);
    let kept = 0;
    let rerun = 0;
    for (const d of pseries.devices.filter((x) => x.address)) {
      for (let bus = 0; bus < 4; bus++) {
        for (let slot = 1; slot <= 6; slot++) {
          const after = moved(pseries, d.key, bus, slot);
          if (placementsUnread(pseries, reach, after, machine)) {
            kept++;
            expect(placed(after), `${d.key} to ${bus}:${slot}`).toEqual(before);
          } else rerun++;
        }
      }
    }
    // both answers occur: the moves among vPHBs 1-3 keep it, those touching vPHB 0 do not
    expect(kept).toBeGreaterThan(0);
    expect(rerun).toBeGreaterThan(0);
    expect(placementsUnread(pseries, reach, moved(pseries, 'disk-2', 2, 3), machine)).toBe(true);
    // vda leaving 0:2 frees a slot the searches read
    expect(placementsUnread(pseries, reach, moved(pseries, 'disk-0', 3, 3), machine)).toBe(false);
    expect(placed(moved(pseries, 'disk-0', 3, 3))).not.toEqual(before);
  });

  it('says changed for anything but a move: an address gained, another attribute, a controller, a bus no controller has', () => {
    const reach = defineDomain(pseries, undefined)?.reach ?? Infinity;
    const vdz = pseries.devices.find((d) => !d.address)?.key ?? '';
    expect(placementsUnread(pseries, reach, moved(pseries, vdz, 3, 9), machine)).toBe(false);
    expect(placementsUnread(pseries, reach, { ...pseries, devices: pseries.devices.map((d) => (d.key === 'disk-2' ? { ...d, bus: 'scsi' } : d)) }, machine)).toBe(false);
    expect(placementsUnread(pseries, reach, { ...pseries, controllers: [...pseries.controllers] }, machine)).toBe(false);
    expect(placementsUnread(pseries, reach, moved(pseries, 'disk-2', 7, 1), machine)).toBe(false);
    expect(placementsUnread(pseries, Infinity, moved(pseries, 'disk-2', 2, 3), machine)).toBe(false);
  });

  it('on q35 reads up to the root port the last added device takes, and a move above it keeps every placement', () => {
    // libvirt adds a USB controller and a memballoon: the first free root ports, 2 and 3; ports 4 and 5 hold disks
    const q35 = guestOf(`<domain type='kvm'><name>q</name><memory unit='GiB'>4</memory><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>
      <controller type='pci' index='0' model='pcie-root'/>
      ${[1, 2, 3, 4, 5].map((i) => `<controller type='pci' index='${i}' model='pcie-root-port'><target chassis='${i}' port='0x${(15 + i).toString(16)}'/>${at(0, 1 + i)}</controller>`).join('')}
      ${disk('vda', at(1, 0))}${disk('vdd', at(4, 0))}${disk('vde', at(5, 0))}
    </devices></domain>`);
    const reach = defineDomain(q35, undefined)?.reach ?? Infinity;
    expect(reach).toBe(3);
    const before = placed(q35);
    let kept = 0;
    for (const d of q35.devices.filter((x) => x.address))
      for (let bus = 0; bus <= 5; bus++) {
        const after = moved(q35, d.key, bus, 0);
        if (!placementsUnread(q35, reach, after, machineProfile(q35))) continue;
        kept++;
        expect(placed(after), `${d.key} to ${bus}:0`).toEqual(before);
      }
    expect(kept).toBeGreaterThan(0);
    // vdd onto the free port 2 takes the USB controller's place
    expect(placementsUnread(q35, reach, moved(q35, 'disk-1', 2, 0), machineProfile(q35))).toBe(false);
    expect(placed(moved(q35, 'disk-1', 2, 0))).not.toEqual(before);
  });

  it('reads every bus when define adds one: a q35 guest whose root ports are taken', () => {
    const q35 = guestOf(`<domain type='kvm'><name>q</name><memory unit='GiB'>4</memory><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>
      <controller type='pci' index='0' model='pcie-root'/>
      <controller type='pci' index='1' model='pcie-root-port'><target chassis='1' port='0x10'/>${at(0, 2)}</controller>
      ${disk('vda', at(1, 0))}${disk('vdb')}
    </devices></domain>`);
    expect(defineDomain(q35, undefined)?.reach).toBe(Infinity);
  });
});
