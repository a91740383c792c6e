/**
 * Asking libvirt through `virsh`, read-only: every call opens the connection with `-r` (libvirt's
 * read-only connection, VIR_CONNECT_RO), so `collect` cannot change anything even by mistake.
 * Several commands share one virsh process (`cmd1; echo MARK; cmd2`): an embedded driver
 * (qemu:///embed) starts once instead of once per command, and a host of 2,000 devices is one call.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

const SAFE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The executable `bin` on PATH (then the usual system directories), or undefined. */
export function which(bin: string, path: string | undefined = process.env.PATH): string | undefined {
  for (const dir of `${path ? `${path}:` : ''}${SAFE_PATH}`.split(':')) {
    if (!dir) continue;
    try {
      accessSync(join(dir, bin), constants.X_OK);
      return join(dir, bin);
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface VirshResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** One virsh process with `commands` (`;`-separated), read-only, on `uri` (or virsh's default). */
export function virsh(bin: string, uri: string | undefined, commands: string, timeoutSec: number): Promise<VirshResult> {
  return new Promise((resolve) => {
    const args = ['-q', '-r', ...(uri !== undefined ? ['-c', uri] : []), commands];
    const p = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const t = setTimeout(() => {
      stderr += `\nvirsh did not answer within ${timeoutSec} s`;
      p.kill('SIGKILL');
    }, timeoutSec * 1000);
    p.on('error', (e) => {
      clearTimeout(t);
      resolve({ code: null, stdout, stderr: `${stderr}${(e as NodeJS.ErrnoException).code ?? e.message}` });
    });
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A virsh argument quoted as virsh's own parser reads it (vshCommandStringGetArg: shell-like quotes). */
export const quoteArg = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The lines of virsh's error messages (`error: …`), without libvirt's log lines. */
export const virshErrors = (stderr: string): string =>
  stderr
    .split('\n')
    .filter((l) => /^error: /.test(l) || /did not answer/.test(l))
    .map((l) => l.replace(/^error: /, ''))
    .join('; ');

const MARK = '@@pcitopo-collect-next@@';

/**
 * Runs `commands` in one virsh process, each output kept apart by virsh's `echo`. An empty output is
 * a command that failed (its error is on standard error; which one failed is known by its place).
 */
export async function virshEach(bin: string, uri: string | undefined, commands: readonly string[], timeoutSec: number): Promise<{ outputs: string[]; result: VirshResult }> {
  const result = await virsh(bin, uri, commands.map((c) => `${c}; echo ${MARK}`).join('; '), timeoutSec);
  const parts = result.stdout.split(MARK);
  return { outputs: commands.map((_, i) => parts[i] ?? ''), result };
}
