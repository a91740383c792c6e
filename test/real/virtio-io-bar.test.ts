/**
 * Q35-IO-1's model of virtio IO BARs (src/engine/rules/ioBar.ts virtioLegacyIoBar) against the QEMU
 * installed here, started paused with the devices as libvirt writes them: for the generic
 * `virtio-*-pci` types QEMU's own resolution of disable-legacy=auto (virtio_pci_realize) is read
 * back with qom-get, and for every device on pcie.0 query-pci says whether BAR 0 is an IO region
 * (virtio_pci_device_plugged registers it when legacy is on). The (non-)transitional types have no
 * disable-legacy property, so they are read on pcie.0 only (query-pci sees no bus behind a bridge
 * before firmware numbers it).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Qmp } from '../../src/cli/verify/qmp.ts';
import { virtioLegacyIoBar } from '../../src/engine/rules/ioBar.ts';
import { ctrl, dev } from '../../src/engine/rules/testkit.ts';
import type { GuestDevice, PciController } from '../../src/engine/model/guest.ts';

/** One device under test: QEMU's -device, and the same device and parent bus as pcitopo models them. */
interface Probe {
  readonly id: string;
  readonly qemu: string;
  readonly device: GuestDevice;
  readonly parent: PciController;
}

const rootPort = ctrl('pcie-root-port', 1);
const bridge = ctrl('pcie-to-pci-bridge', 3);
const pcieRoot = ctrl('pcie-root', 0);
const rng = (model?: string): GuestDevice => dev('rng', 'rng', undefined, { model: model ?? 'virtio' });

// rp1 at 00:02.0 takes a device; rp2 at 00:03.0 holds the pcie-pci-bridge br3
const BUSES = ['pcie-root-port,id=rp1,bus=pcie.0,chassis=1,addr=0x2', 'pcie-root-port,id=rp2,bus=pcie.0,chassis=2,addr=0x3', 'pcie-pci-bridge,id=br3,bus=rp2,addr=0x0'];
const PROBES: readonly Probe[] = [
  { id: 'inport', qemu: 'virtio-rng-pci,id=inport,bus=rp1,addr=0x0', device: rng(), parent: rootPort },
  { id: 'onbridge', qemu: 'virtio-rng-pci,id=onbridge,bus=br3,addr=0x1', device: rng(), parent: bridge },
  { id: 'onroot', qemu: 'virtio-rng-pci,id=onroot,bus=pcie.0,addr=0x4', device: rng(), parent: pcieRoot },
  { id: 'kbd', qemu: 'virtio-keyboard-pci,id=kbd,bus=br3,addr=0x2', device: dev('kbd', 'input', undefined, { type: 'keyboard', bus: 'virtio' }), parent: bridge },
  { id: 'kbdroot', qemu: 'virtio-keyboard-pci,id=kbdroot,bus=pcie.0,addr=0x5', device: dev('kbd', 'input', undefined, { type: 'keyboard', bus: 'virtio' }), parent: pcieRoot },
  { id: 'trans', qemu: 'virtio-rng-pci-transitional,id=trans,bus=pcie.0,addr=0x6', device: rng('virtio-transitional'), parent: pcieRoot },
  { id: 'nontrans', qemu: 'virtio-rng-pci-non-transitional,id=nontrans,bus=pcie.0,addr=0x7', device: rng('virtio-non-transitional'), parent: pcieRoot },
];

interface Seen {
  /** qom-get disable-legacy: 'on' | 'off', undefined for types without the property */
  readonly disableLegacy: Map<string, string | undefined>;
  /** devices on pcie.0 with an IO region */
  readonly ioOnRoot: Map<string, boolean>;
}

async function probe(binary: string, machine: string): Promise<Seen> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pcitopo-virtio-'));
  const sock = path.join(dir, 'qmp.sock');
  const args = ['-machine', `${machine},accel=tcg`, '-nodefaults', '-display', 'none', '-m', '128', '-S', '-qmp', `unix:${sock},server=on,wait=off`];
  for (const d of [...BUSES, ...PROBES.map((p) => p.qemu)]) args.push('-device', d);
  const qemu = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  qemu.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  try {
    const q = await Qmp.connect(sock, 20000).catch((e: Error) => {
      throw new Error(`${e.message}: ${stderr}`);
    });
    try {
      const disableLegacy = new Map<string, string | undefined>();
      for (const p of PROBES) disableLegacy.set(p.id, (await q.tryExecute('qom-get', { path: `/machine/peripheral/${p.id}`, property: 'disable-legacy' })) as string | undefined);
      const buses = (await q.execute('query-pci')) as Array<{ bus: number; devices: Array<{ qdev_id: string; regions: Array<{ bar: number; type: string }> }> }>;
      const ioOnRoot = new Map<string, boolean>();
      for (const d of buses.find((b) => b.bus === 0)?.devices ?? []) ioOnRoot.set(d.qdev_id, d.regions.some((r) => r.type === 'io'));
      return { disableLegacy, ioOnRoot };
    } finally {
      q.close();
    }
  } finally {
    qemu.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('virtio IO BARs: pcitopo\'s model against QEMU', () => {
  it.each([
    ['qemu-system-x86_64', 'q35'],
    ['qemu-system-x86_64', 'pc-q35-2.7'],
    ['qemu-system-x86_64', 'pc-q35-2.6'],
    ['qemu-system-aarch64', 'virt'],
    ['qemu-system-aarch64', 'virt-2.6'],
  ])('%s -machine %s: disable-legacy as QEMU resolves it, and the IO BAR on pcie.0, are what virtioLegacyIoBar says', async (binary, machine) => {
    const seen = await probe(binary, machine);
    for (const p of PROBES) {
      const modelled = virtioLegacyIoBar(p.device, p.parent, machine);
      const dl = seen.disableLegacy.get(p.id);
      if (dl !== undefined) expect(dl === 'off', `${p.qemu}: disable-legacy=${dl}`).toBe(modelled);
      const io = seen.ioOnRoot.get(p.id);
      if (io !== undefined) expect(io, `${p.qemu}: IO region on pcie.0`).toBe(modelled);
    }
    // every generic type was read back, every device on pcie.0 was seen
    expect(PROBES.filter((p) => !p.qemu.includes('transitional') && seen.disableLegacy.get(p.id) === undefined)).toEqual([]);
    expect(PROBES.filter((p) => p.parent === pcieRoot && !seen.ioOnRoot.has(p.id))).toEqual([]);
    if (machine.endsWith('-2.6')) expect(seen.disableLegacy.get('inport')).toBe('off');
    if (machine === 'q35' || machine === 'virt') expect([seen.disableLegacy.get('inport'), seen.disableLegacy.get('onbridge')]).toEqual(['on', 'off']);
  });
});
