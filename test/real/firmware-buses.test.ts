/**
 * What the guest firmware makes of expander bus numbers, against the real QEMU (scripts/test-real.mjs):
 * libvirt defines these designs and QEMU starts them, so the loss GEN-TGT-1 reports is only seen once
 * SeaBIOS has numbered the buses. QEMU 7.2 (q35, TCG) is booted with the devices libvirt gives it for
 * the design (pxb-pcie with its bus_nr, pcie-root-port, virtio-net-pci), and QMP's query-pci read once
 * SeaBIOS's debug port says it is done with the buses, or that it rescans them without end: a device
 * behind a bridge the firmware left without a bus of its own is gone from the guest, and a firmware
 * that never ends its PCI setup never boots the guest.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validate } from '../../src/engine/index.ts';
import { design, guestXml } from './helpers.ts';

interface PciDevice {
  readonly bus: number;
  readonly qdev_id: string;
  readonly pci_bridge?: { readonly bus: { readonly secondary: number }; readonly devices?: readonly PciDevice[] };
}

/** The qdev ids QEMU's query-pci lists (behind bridges too), and each bridge's secondary bus. */
function walk(devices: readonly PciDevice[], out: { ids: string[]; secondary: Map<string, number> }): void {
  for (const d of devices) {
    if (d.qdev_id) out.ids.push(d.qdev_id);
    if (d.pci_bridge) {
      out.secondary.set(d.qdev_id, d.pci_bridge.bus.secondary);
      walk(d.pci_bridge.devices ?? [], out);
    }
  }
}

/** What SeaBIOS wrote on its debug port: whether it reached its boot stage, and how many buses it scanned. */
interface FirmwareLog {
  readonly booting: boolean;
  readonly busScans: number;
}

/** SeaBIOS scans each of the 256 bus numbers once per root bus in its PCI setup; ten times that is a loop. */
const LOOPING = 10 * 256;

/**
 * Boots qemu-system-x86_64 -M q35 with `devices` (-device arguments) until the firmware reaches its
 * boot stage (there is nothing to boot: the NICs have no option ROM) or has scanned the buses
 * {@link LOOPING} times, and returns what query-pci shows then: the devices seen, the secondary bus of
 * each bridge, and the firmware's log. Fails after 120 s.
 */
async function firmwareView(devices: readonly string[]): Promise<{ ids: string[]; secondary: Map<string, number>; firmware: FirmwareLog }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pcitopo-fw-'));
  const sock = path.join(dir, 'qmp.sock');
  const log = path.join(dir, 'firmware.log');
  const qemu = spawn('qemu-system-x86_64', ['-M', 'q35', '-nodefaults', '-display', 'none', '-m', '256', '-qmp', `unix:${sock},server=on,wait=off`, '-debugcon', `file:${log}`, '-global', 'isa-debugcon.iobase=0x402', ...devices.flatMap((d) => ['-device', d])], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  qemu.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const deadline = Date.now() + 120_000;
  try {
    while (!fs.existsSync(sock)) {
      if (Date.now() > deadline || qemu.exitCode !== null) throw new Error(`QEMU did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const conn = net.createConnection(sock);
    let buffer = '';
    const lines: string[] = [];
    const waiting: Array<{ resolve: (l: string) => void; reject: (e: Error) => void }> = [];
    // a QMP socket that fails while a command waits fails that command; once the answer is read
    // QEMU is killed, and the socket's reset then is expected
    let done = false;
    let broken: Error | undefined;
    conn.on('error', (e) => {
      if (done) return;
      broken = e;
      for (const w of waiting.splice(0)) w.reject(e);
    });
    conn.on('data', (b) => {
      buffer += b.toString();
      for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
        const l = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        const w = waiting.shift();
        if (w) w.resolve(l);
        else lines.push(l);
      }
    });
    const line = (): Promise<string> =>
      new Promise((resolve, reject) => {
        if (broken) reject(broken);
        else if (lines.length) resolve(lines.shift() as string);
        else waiting.push({ resolve, reject });
      });
    const command = async (execute: string): Promise<unknown> => {
      conn.write(`${JSON.stringify({ execute })}\n`);
      for (;;) {
        const l = JSON.parse(await line()) as { return?: unknown; error?: unknown };
        if ('return' in l) return l.return;
        if ('error' in l) throw new Error(JSON.stringify(l.error));
      }
    };
    await line(); // greeting
    await command('qmp_capabilities');
    // SeaBIOS numbers the buses before it looks for something to boot
    const read = (): FirmwareLog => {
      const text = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
      return { booting: text.includes('No bootable device'), busScans: text.split('pci_bios_init_bus_rec').length - 1 };
    };
    let firmware = read();
    while (!firmware.booting && firmware.busScans < LOOPING) {
      if (Date.now() > deadline) throw new Error(`the firmware neither booted nor looped in 120 s (QEMU: ${stderr.trim() || 'running'}; ${firmware.busScans} bus scans)`);
      await new Promise((r) => setTimeout(r, 100));
      firmware = read();
    }
    const buses = (await command('query-pci')) as Array<{ devices: PciDevice[] }>;
    const view = { ids: [] as string[], secondary: new Map<string, number>(), firmware };
    for (const b of buses) walk(b.devices, view);
    done = true;
    conn.destroy();
    return view;
  } finally {
    qemu.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const ports = (n: number, bus: string): string[] => Array.from({ length: n }, (_, i) => [`pcie-root-port,id=rp${i + 1},bus=${bus},chassis=${i + 1},addr=0x${i.toString(16)}`, `virtio-net-pci,id=net${i + 1},bus=rp${i + 1},romfile=`]).flat();

/** The same design as libvirt XML, for pcitopo: a pcie-expander-bus of `busNr` with `n` root ports, a virtio NIC behind each. */
const domain = (busNr: number, n: number): string =>
  guestXml({
    name: 'firmware-buses',
    machine: 'q35',
    devices:
      `    <controller type='pci' index='0' model='pcie-root'/>\n    <controller type='pci' index='1' model='pcie-expander-bus'><target busNr='${busNr}'/><address type='pci' domain='0' bus='0' slot='2' function='0'/></controller>\n` +
      Array.from({ length: n }, (_, i) => `    <controller type='pci' index='${i + 2}' model='pcie-root-port'><target chassis='${i + 2}' port='${i}'/><address type='pci' domain='0' bus='1' slot='${i}' function='0'/></controller>\n    <interface type='user'><model type='virtio'/><address type='pci' domain='0' bus='${i + 2}' slot='0' function='0'/></interface>\n`).join('') +
      "    <controller type='usb' model='none'/>\n    <memballoon model='none'/>\n",
  });

describe('bus numbers past 255 behind an expander bus', () => {
  it('bus_nr 253 with three root ports: the third gets no bus, its NIC is gone and the firmware never boots; GEN-TGT-1 says so, and is silent with two, which boot', async () => {
    const errors = (xml: string) => validate(design(xml)).filter((f) => f.severity === 'error').map((f) => f.ruleId);
    expect(errors(domain(253, 3))).toEqual(['GEN-TGT-1']);
    expect(errors(domain(253, 2))).toEqual([]);
    const three = await firmwareView(['pxb-pcie,id=pci.1,bus_nr=253,bus=pcie.0,addr=0x2', ...ports(3, 'pci.1')]);
    expect([three.secondary.get('rp1'), three.secondary.get('rp2'), three.secondary.get('rp3')]).toEqual([254, 255, 0]);
    expect(three.ids).toContain('net2');
    expect(three.ids).not.toContain('net3');
    expect(three.firmware.booting).toBe(false);
    const two = await firmwareView(['pxb-pcie,id=pci.1,bus_nr=253,bus=pcie.0,addr=0x2', ...ports(2, 'pci.1')]);
    expect(two.ids).toEqual(expect.arrayContaining(['net1', 'net2']));
    expect(two.firmware.booting).toBe(true);
    expect(two.firmware.busScans).toBeLessThan(LOOPING);
  });
});
