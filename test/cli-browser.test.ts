import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Io } from '../src/cli/io.ts';
import { openBrowser } from '../src/cli/serve/run.ts';

/** openBrowser with $BROWSER set; resolves with the first line written to standard error. */
function firstWarning(browser: string): { io: Io; warned: Promise<string>; writes: string[] } {
  const writes: string[] = [];
  let said: (s: string) => void = () => {};
  const warned = new Promise<string>((done) => (said = done));
  const io: Io = {
    stdout: { write: () => true },
    stderr: {
      write: (chunk) => {
        writes.push(String(chunk));
        said(String(chunk));
        return true;
      },
    },
    stdin: Readable.from([]),
    env: { BROWSER: browser },
  };
  return { io, warned, writes };
}

describe('open: a browser that cannot open the link', () => {
  it('a browser command that exits non-zero (BROWSER=false) is a warning naming it and its status', async () => {
    const { io, warned } = firstWarning('false');
    openBrowser('http://127.0.0.1:1/', io);
    expect(await warned).toBe('pcitopo: could not open a browser (false: exit status 1); open the URL above yourself\n');
  });

  it('a browser command that is missing is one warning, with the error code', async () => {
    const { io, warned, writes } = firstWarning('/nonexistent/x');
    openBrowser('http://127.0.0.1:1/', io);
    expect(await warned).toBe('pcitopo: could not open a browser (/nonexistent/x: ENOENT); open the URL above yourself\n');
    expect(writes).toHaveLength(1);
  });
});
