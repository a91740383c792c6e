/**
 * The throw-away sandbox: a private temp dir that is libvirt's embedded QEMU driver root
 * (`qemu:///embed?root=DIR`, the driver runs inside the virsh process: no libvirtd, nothing of the
 * user's libvirt is touched). As root, libvirt refuses to run embedded (it looks up the
 * `libvirt-qemu` user first), so virsh and QEMU run as an unprivileged user (`nobody`).
 * Everything started is found again by its command line naming DIR, and killed at the end.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const APT_PACKAGES = [
  'libvirt-clients',
  'libvirt-daemon-driver-qemu',
  'libxml2-utils',
  'qemu-system-ppc',
  'qemu-system-x86',
  'qemu-system-arm',
  'ipxe-qemu',
] as const;
export const APT_HINT = `apt-get install -y --no-install-recommends ${APT_PACKAGES.join(' ')}`;

const SAFE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function which(bin: string): string | undefined {
  for (const dir of (process.env.PATH ? `${process.env.PATH}:${SAFE_PATH}` : SAFE_PATH).split(':')) {
    if (!dir) continue;
    const p = path.join(dir, bin);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function libvirtQemuDriverPresent(): boolean {
  for (const base of ['/usr/lib', '/usr/lib64', '/usr/local/lib']) {
    const direct = path.join(base, 'libvirt/connection-driver/libvirt_driver_qemu.so');
    if (fs.existsSync(direct)) return true;
    let subs: string[] = [];
    try {
      subs = fs.readdirSync(base);
    } catch {
      continue;
    }
    for (const s of subs) if (fs.existsSync(path.join(base, s, 'libvirt/connection-driver/libvirt_driver_qemu.so'))) return true;
  }
  return false;
}

export const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export class Sandbox {
  readonly dir: string;
  readonly root: string;
  readonly runAs: string | undefined;
  private children = new Set<ChildProcess>();
  private disposed = false;

  constructor(readonly keep = false) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pcitopo-verify-'));
    fs.chmodSync(this.dir, 0o700);
    this.root = path.join(this.dir, 'root');
    for (const d of ['root/etc', 'home/cache', 'home/config', 'home/run', 'disks']) fs.mkdirSync(path.join(this.dir, d), { recursive: true });
    // no virtlogd (it would outlive us), no security driver (no SELinux/AppArmor labels in a sandbox)
    fs.writeFileSync(path.join(this.root, 'etc/qemu.conf'), 'stdio_handler = "file"\nsecurity_driver = "none"\n');
    this.runAs = isRoot() ? (process.env.PCITOPO_VERIFY_RUNAS ?? 'nobody') : undefined;
  }

  file(name: string): string {
    return path.join(this.dir, name);
  }

  /** Hands the dir to the unprivileged user (a no-op when we are not root). */
  chown(): void {
    if (!this.runAs) return;
    const r = spawnSync('chown', ['-R', this.runAs, this.dir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`chown ${this.dir} to ${this.runAs} failed: ${r.stderr}`);
  }

  /** One virsh process (several `;`-separated commands): a second one on the same root would kill QEMU. */
  virsh(commands: string, timeoutSec: number): Promise<RunResult> {
    const env = [
      `PATH=${SAFE_PATH}`,
      'LC_ALL=C',
      `HOME=${this.file('home')}`,
      `XDG_CACHE_HOME=${this.file('home/cache')}`,
      `XDG_CONFIG_HOME=${this.file('home/config')}`,
      `XDG_RUNTIME_DIR=${this.file('home/run')}`,
      `LIBVIRT_LOG_OUTPUTS=3:file:${this.file('libvirt.log')}`,
    ];
    const argv = ['env', '-i', ...env, 'virsh', '-q', '-c', `qemu:///embed?root=${this.root}`, commands];
    const [cmd, ...args] = this.runAs ? ['runuser', '-u', this.runAs, '--', ...argv] : argv;
    return this.run(cmd as string, args, timeoutSec);
  }

  run(cmd: string, args: string[], timeoutSec: number): Promise<RunResult> {
    return new Promise((resolve) => {
      // found where checkVerifyTools found it, also when PATH lacks the sbin directories
      const p = spawn(which(cmd) ?? cmd, args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
      this.children.add(p);
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const t = setTimeout(() => {
        timedOut = true;
        p.kill('SIGTERM');
        this.killOurs('SIGKILL');
        setTimeout(() => p.kill('SIGKILL'), 2000).unref();
      }, timeoutSec * 1000);
      p.on('error', (e) => {
        stderr += String(e.message);
      });
      p.on('close', (code) => {
        clearTimeout(t);
        this.children.delete(p);
        resolve({ code, stdout, stderr, timedOut });
      });
    });
  }

  /** PIDs of live processes whose command line names our dir: QEMU, and virsh if still running. */
  ourProcesses(): number[] {
    const mark = `${this.dir}/`;
    const pids: number[] = [];
    let entries: string[] = [];
    try {
      entries = fs.readdirSync('/proc');
    } catch {
      return pids;
    }
    for (const e of entries) {
      if (!/^\d+$/.test(e)) continue;
      const pid = Number(e);
      if (pid === process.pid) continue;
      try {
        const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
        const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        if (state === 'Z' || state === 'X') continue;
        if (fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(mark)) pids.push(pid);
      } catch {
        // gone meanwhile, or not ours to read
      }
    }
    return pids;
  }

  killOurs(signal: NodeJS.Signals): number[] {
    const pids = this.ourProcesses();
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
    return pids;
  }

  /** Kills what we started (TERM, then KILL after up to 2 s) and removes the dir. Synchronous, so it can run on exit. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const c of this.children) c.kill('SIGKILL');
    if (this.killOurs('SIGTERM').length) {
      const until = Date.now() + 2000;
      while (Date.now() < until && this.ourProcesses().length) spawnSync('sleep', ['0.05']);
      this.killOurs('SIGKILL');
    }
    if (this.keep) process.stderr.write(`pcitopo verify: kept ${this.dir}\n`);
    else fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
