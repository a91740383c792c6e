/**
 * Reading QEMU's own view back over QMP: `qom-list` / `qom-get parent_bus, addr` per device,
 * `index` per vPHB, `chassis` per port (query-pci cannot see behind bridges before firmware numbers
 * the buses), and `query-pci` for the devices built into the machine. Written against QmpLike so
 * tests replay recorded answers (Replay) instead of a running QEMU.
 */
import type { QmpExchange, QomDevice } from './types.ts';

export interface QmpLike {
  /** the command's `return`, or undefined when QEMU answered with an error */
  tryExecute(command: string, args?: Record<string, unknown>): Promise<unknown>;
}

/** Devices built into the machine (q35's SATA/LPC/SMBus at 00:1f.x): on a root bus, without a QEMU id; `slot/function`. */
export async function readBuiltins(q: QmpLike): Promise<Set<string>> {
  const out = new Set<string>();
  const buses = ((await q.tryExecute('query-pci')) ?? []) as Array<{ devices?: Array<{ slot: number; function: number; qdev_id?: string }> }>;
  for (const b of buses) for (const d of b.devices ?? []) if (!d.qdev_id) out.add(`${d.slot}/${d.function}`);
  return out;
}

/** Every device under /machine/peripheral(-anon), by QEMU id. */
export async function readQom(q: QmpLike): Promise<Map<string, QomDevice>> {
  const out = new Map<string, QomDevice>();
  for (const base of ['/machine/peripheral', '/machine/peripheral-anon']) {
    const list = ((await q.tryExecute('qom-list', { path: base })) ?? []) as Array<{ name: string; type: string }>;
    for (const ent of list) {
      if (!ent.type.startsWith('child<')) continue;
      const p = `${base}/${ent.name}`;
      const d: QomDevice = { driver: ent.type.slice(6, -1) };
      const kids = ((await q.tryExecute('qom-list', { path: p })) ?? []) as Array<{ name: string; type: string }>;
      for (const k of kids) {
        const t = k.type.startsWith('child<') ? k.type.slice(6, -1) : '';
        if (t === 'PCI' || t === 'PCIE' || (t.toLowerCase().startsWith('pxb') && t.toLowerCase().endsWith('bus'))) d.childBus = k.name;
      }
      const pb = await q.tryExecute('qom-get', { path: p, property: 'parent_bus' });
      if (typeof pb === 'string' && pb) {
        const parts = pb.split('/');
        d.bus = parts[parts.length - 1];
        const owner = parts.slice(0, -1).join('/');
        if (owner.startsWith('/machine/peripheral/')) d.parentController = parts[parts.length - 2];
        const devfn = await q.tryExecute('qom-get', { path: p, property: 'addr' });
        if (typeof devfn === 'number') {
          d.slot = devfn >> 3;
          d.function = devfn & 7;
        }
      }
      if (d.driver === 'spapr-pci-host-bridge') {
        const idx = await q.tryExecute('qom-get', { path: p, property: 'index' });
        if (typeof idx === 'number') d.index = idx;
      }
      if (d.childBus && d.driver !== 'spapr-pci-host-bridge') {
        const ch = await q.tryExecute('qom-get', { path: p, property: 'chassis' });
        if (typeof ch === 'number') d.chassis = ch;
      }
      out.set(ent.name, d);
    }
  }
  return out;
}

/** Passes commands to a live connection and keeps every exchange. */
export class Recording implements QmpLike {
  readonly exchanges: QmpExchange[] = [];
  constructor(private readonly live: { execute(command: string, args?: Record<string, unknown>): Promise<unknown> }) {}

  async tryExecute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    try {
      const r = await this.live.execute(command, args);
      this.exchanges.push({ execute: command, ...(args ? { arguments: args } : {}), return: r });
      return r;
    } catch (e) {
      this.exchanges.push({ execute: command, ...(args ? { arguments: args } : {}), error: (e as Error).message });
      return undefined;
    }
  }
}

/** Answers from recorded exchanges; a command never recorded gets an error, as QEMU gives for an unknown path. */
export class Replay implements QmpLike {
  private readonly answers = new Map<string, QmpExchange>();
  constructor(exchanges: readonly QmpExchange[]) {
    for (const x of exchanges) this.answers.set(Replay.keyOf(x.execute, x.arguments), x);
  }

  static keyOf(command: string, args?: Record<string, unknown>): string {
    return `${command} ${JSON.stringify(args ?? {})}`;
  }

  async tryExecute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    const x = this.answers.get(Replay.keyOf(command, args));
    return x && x.error === undefined ? x.return : undefined;
  }
}
