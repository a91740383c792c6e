/**
 * The `pcitopo` executable (built to dist-cli/pcitopo.cjs and started by dist-cli/pcitopo.mjs; bin/pcitopo.mjs runs it from the
 * sources). Nothing escapes: a reader that goes away (`pcitopo validate … | head -1`) ends the
 * output quietly, and an uncaught error is one line and exit 4 (main.ts `report`).
 */
import { main, report } from './main.ts';
import { processIo } from './io.ts';

const argv = process.argv.slice(2);
const io = processIo();
const quietWhenGone = (e: NodeJS.ErrnoException): void => {
  if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') return;
  process.exitCode = report(e, io, false, argv.includes('--debug'));
};
process.stdout.on('error', quietWhenGone);
process.stderr.on('error', () => undefined);
const fatal = (e: unknown): void => {
  process.exitCode = report(e, io, argv.includes('--json'), argv.includes('--debug'));
  process.exit();
};
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);

void main(argv, io).then((code) => {
  process.exitCode = code;
});
