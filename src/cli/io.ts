/**
 * The CLI's contact with the outside: streams, reading inputs with a byte cap, colours, and the
 * errors that end a command with a documented exit code. Everything a command prints goes through
 * an `Io`, so tests can run `main()` in-process. No engine here (xmlio.ts has what needs it):
 * `--version`, `--help` and `serve` never load the engine.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import type { InputError } from '../engine/index.ts';

export interface Io {
  readonly stdout: { write(chunk: string | Uint8Array): unknown; readonly isTTY?: boolean | undefined };
  readonly stderr: { write(chunk: string | Uint8Array): unknown; readonly isTTY?: boolean | undefined };
  readonly stdin: NodeJS.ReadableStream;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * The process's own streams. Standard output and error are written with blocking writes to their
 * file descriptors ({@link fdWriter}), and standard input is opened only when read: a run that
 * reads a named file and prints a document never builds Node's stream objects (for a pipe they are
 * net.Socket and the whole streams module: a fifth of `pcitopo place`'s run). `onStreamError`
 * gets what a stream that did get built reports (a reader gone away, for one).
 */
export function processIo(onStreamError: (e: NodeJS.ErrnoException, fd: 1 | 2) => void = () => undefined): Io {
  return {
    stdout: fdWriter(1, onStreamError),
    stderr: fdWriter(2, onStreamError),
    get stdin(): NodeJS.ReadableStream {
      return process.stdin;
    },
    env: process.env,
  };
}

/**
 * Writes to file descriptor `fd` (1 or 2) with fs.writeSync, as Node itself writes to a file or, on
 * Linux, a pipe or terminal, so the output is the same and in the same order. A reader that went
 * away (EPIPE: `pcitopo … | head -1`) ends the output quietly, as Node's stream would, and
 * standard error never fails a command (a message that cannot be shown is not a new error). A
 * descriptor someone left non-blocking (EAGAIN) hands over to Node's stream for the rest, so
 * nothing is lost or reordered; so does asking whether it is a terminal.
 */
function fdWriter(fd: 1 | 2, onStreamError: (e: NodeJS.ErrnoException, fd: 1 | 2) => void): Io['stdout'] {
  let stream: NodeJS.WriteStream | undefined;
  let gone = false;
  const viaStream = (): NodeJS.WriteStream => {
    if (!stream) {
      stream = fd === 1 ? process.stdout : process.stderr;
      stream.on('error', (e: NodeJS.ErrnoException) => onStreamError(e, fd));
    }
    return stream;
  };
  return {
    write(chunk: string | Uint8Array): unknown {
      if (gone) return true;
      if (stream) return stream.write(chunk);
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      let at = 0;
      try {
        while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') return viaStream().write(bytes.subarray(at));
        // a closed descriptor (EBADF) too: Node's stream for it writes nowhere, without an error
        if (fd === 2 || code === 'EPIPE' || code === 'EBADF') {
          gone = true;
          return true;
        }
        throw e;
      }
      return true;
    },
    get isTTY(): boolean | undefined {
      return viaStream().isTTY;
    },
  };
}

/** Exit codes (README "Exit codes"). */
export const EXIT = { ok: 0, findings: 1, input: 2, missing: 3, internal: 4 } as const;

/**
 * An error that ends the command with `exitCode` and a message on stderr. `input` carries the
 * engine's InputError (file, line, column) for `--json` reports.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly input?: InputError,
    /** the command it happened in, for the usage hint */
    readonly command?: string,
    /** a file or directory the system refused (ENOSPC, ENOENT…): no usage hint, the command line was right */
    readonly io?: boolean,
  ) {
    super(message);
  }

  about(command: string): CliError {
    return new CliError(this.message, this.exitCode, this.input, command, this.io);
  }
}

export const usageError = (message: string): CliError => new CliError(message, EXIT.input);

/** `PATH: WHAT: ECODE (what it means)`, exit 2, from the system's error `e` on PATH. */
export function ioError(path: string, what: string, e: unknown): CliError {
  const code = (e as NodeJS.ErrnoException).code;
  return new CliError(`${path}: ${what}: ${code ?? (e as Error).message}${code && ERRNO[code] ? ` (${ERRNO[code]})` : ''}`, EXIT.input, undefined, undefined, true);
}

/** What the user typed for an input, as messages name it: `-` reads standard input. */
export const inputName = (name: string): string => (name === '-' ? 'standard input' : name);

/**
 * Reads a whole input, whatever it is (file, device, FIFO, standard input), in chunks, and stops
 * as soon as it passes `cap` bytes: `stat` sizes say nothing of `/dev/zero` or a pipe.
 */
export async function readBytes(name: string, io: Io, cap: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const tooLarge = (): CliError =>
    new CliError(`${inputName(name)}: more than ${cap / 1048576} MiB; pcitopo reads at most ${cap / 1048576} MiB`, EXIT.input, {
      code: 'too-large',
      file: inputName(name),
      message: `more than ${cap / 1048576} MiB`,
    });
  try {
    if (name === '-') {
      for await (const chunk of io.stdin) {
        const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : (chunk as Uint8Array);
        total += bytes.length;
        if (total > cap) throw tooLarge();
        chunks.push(bytes);
      }
    } else {
      // A named input is read with plain blocking reads: a stream would load Node's whole streams
      // machinery on every run (a tenth of `pcitopo place`'s start), and a CLI waits anyway.
      const fd = openSync(name, 'r');
      try {
        for (;;) {
          const buffer = new Uint8Array(Math.min(1 << 20, cap + 1 - total));
          const n = readSync(fd, buffer, 0, buffer.length, null);
          if (n === 0) break;
          total += n;
          if (total > cap) throw tooLarge();
          chunks.push(n === buffer.length ? buffer : buffer.subarray(0, n));
        }
      } finally {
        closeSync(fd);
      }
    }
  } catch (e) {
    if (e instanceof CliError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(`${inputName(name)}: cannot read: ${code ?? (e as Error).message}${code && ERRNO[code] ? ` (${ERRNO[code]})` : ''}`, EXIT.input, {
      code: 'malformed-xml',
      file: inputName(name),
      message: `cannot read: ${code ?? (e as Error).message}`,
    });
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export const ERRNO: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'a directory, not a file',
  ENOTDIR: 'a path component is not a directory',
  ELOOP: 'too many symbolic links',
  ENOSPC: 'no space left on device',
  EROFS: 'a read-only file system',
  EEXIST: 'it exists already',
};

/**
 * ANSI colours for a stream, following https://no-color.org: off when NO_COLOR is set (to
 * anything but the empty string), on when FORCE_COLOR is 1-3 or the stream is a terminal.
 */
export function colours(stream: Io['stdout'], env: Io['env']): { red(s: string): string; yellow(s: string): string; cyan(s: string): string; green(s: string): string; bold(s: string): string } {
  const force = env.FORCE_COLOR;
  const on = !env.NO_COLOR && (force === undefined || force === '' ? !!stream.isTTY && env.TERM !== 'dumb' : force !== '0' && force !== 'false');
  const paint = (code: string) => (s: string) => (on ? `\u001b[${code}m${s}\u001b[0m` : s);
  return { red: paint('31'), yellow: paint('33'), cyan: paint('36'), green: paint('32'), bold: paint('1') };
}
