/** What `serve` and `open` share: start the server, optionally open a browser, serve until a signal. */
import { spawn } from 'node:child_process';
import type { CommandContext } from '../commands.ts';
import type { Io } from '../io.ts';
import { CliError, EXIT } from '../io.ts';
import { intOption, str } from '../options.ts';
import type { RunningServer } from './server.ts';
import { appRoot, startServer } from './server.ts';

export async function startFromOptions(ctx: CommandContext): Promise<RunningServer> {
  const port = intOption(ctx, 'port', 65535) ?? 8080;
  const bind = str(ctx, 'bind') ?? '127.0.0.1';
  const root = appRoot();
  if (!root) throw new CliError('the built designer (dist/index.html) is missing next to this pcitopo: run "npm run build" in the checkout', EXIT.missing);
  try {
    return await startServer({ root, port, bind });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new CliError(`port ${port} on ${bind} is in use: choose another with --port (0 picks a free one)`, EXIT.input);
    if (code === 'EACCES') throw new CliError(`no permission to listen on ${bind} port ${port}: use a port above 1023`, EXIT.input);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new CliError(`--bind ${bind} is not an address of this machine`, EXIT.input);
    throw e;
  }
}

/**
 * Opens `url` in the user's browser: $BROWSER (a command; `%s` stands for the URL, else it is
 * appended), else the platform's opener. Failing to open (the command is missing or exits non-zero)
 * is a message on standard error, not an error: the URL is printed.
 */
export function openBrowser(url: string, io: Io): void {
  const custom = io.env.BROWSER?.split(':')[0]?.trim();
  const [cmd, ...args] = custom
    ? ((parts) => (parts.some((p) => p.includes('%s')) ? parts.map((p) => p.replace('%s', url)) : [...parts, url]))(custom.split(/\s+/))
    : process.platform === 'darwin'
      ? ['open', url]
      : process.platform === 'win32'
        ? ['cmd', '/c', 'start', '""', url]
        : ['xdg-open', url];
  const fail = (why: string) => io.stderr.write(`pcitopo: could not open a browser (${cmd}: ${why}); open the URL above yourself\n`);
  try {
    const child = spawn(cmd as string, args, { stdio: 'ignore', detached: true });
    child.on('error', (e) => fail((e as NodeJS.ErrnoException).code ?? e.message));
    // a command that ran and failed (BROWSER=false, no display for xdg-open) is a failure too
    child.on('exit', (status, signal) => {
      if (status !== 0 && status !== null) fail(`exit status ${status}`);
      else if (signal) fail(`killed by ${signal}`);
    });
    child.unref();
  } catch (e) {
    fail((e as NodeJS.ErrnoException).code ?? (e as Error).message);
  }
}

/** Serves until SIGINT or SIGTERM, then closes and answers exit 0. */
export function serveUntilStopped(server: RunningServer, io: Io): Promise<number> {
  io.stderr.write('pcitopo: serving until Ctrl+C\n');
  return new Promise((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void server.close().then(() => done(EXIT.ok));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
