/**
 * The `pcitopo` executable (built to dist-cli/pcitopo.cjs and started by dist-cli/bin.cjs; bin/pcitopo.mjs runs it from the
 * sources). Nothing escapes: a reader that goes away (`pcitopo validate … | head -1`) ends the
 * output quietly, and an uncaught error is one line and exit 4 (main.ts `report`).
 */
import { main, report } from './main.ts';
import { processIo } from './io.ts';

const argv = process.argv.slice(2);
const quietWhenGone = (e: NodeJS.ErrnoException, fd: 1 | 2): void => {
  if (fd === 2 || e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') return;
  process.exitCode = report(e, io, false, argv.includes('--debug'));
};
const io = processIo(quietWhenGone);
const fatal = (e: unknown): void => {
  process.exitCode = report(e, io, argv.includes('--json'), argv.includes('--debug'));
  process.exit();
};
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);

void main(argv, io).then((code) => {
  process.exitCode = code;
  // Nothing left to wait for (no stream, server, child process, timer or file request): end now,
  // rather than let Node run what V8 scheduled for later (a collection of a heap about to be freed)
  // and then take that heap down piece by piece. 'exit' handlers still run.
  if (process.getActiveResourcesInfo().length === 0) process.exit(code);
});
