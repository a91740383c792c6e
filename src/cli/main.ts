import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import pkg from '../../package.json' with { type: 'json' };
import type { CommandSpec } from './commands.ts';
import { COMMANDS, COMMON_OPTIONS, commandHelp, commandNamed, overallHelp } from './commands.ts';
import type { Io } from './io.ts';
import { CliError, EXIT, processIo, usageError } from './io.ts';

/**
 * The pcitopo CLI (DESIGN.md §4): a thin shell over the engine. Arguments are parsed with
 * node:util parseArgs, each command with its own options: an option a command does not take is
 * an error that names it (exit 2). Exit codes: 0 fine, 1 the design has errors (or verify
 * disagrees), 2 an input or option is wrong, 3 something needed is missing, 4 an internal error.
 * No exception leaves `main`: input problems are exit 2 with file:line:column, anything else is a
 * bug, reported in one line (exit 4) with the trace under --debug.
 */
export const VERSION: string = pkg.version;

interface Parsed {
  readonly values: Record<string, string | boolean | undefined>;
  readonly positionals: string[];
}

// node:util parseArgs on every call, positionals only too: a fast path of our own saved 2.4 % of a
// 600-device `pcitopo place`'s instructions, too little to own a second argument parser for.
function parse(spec: CommandSpec, argv: readonly string[]): Parsed {
  const options: ParseArgsConfig['options'] = {};
  for (const [name, o] of Object.entries({ ...spec.options, ...COMMON_OPTIONS })) options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}) };
  try {
    const r = parseArgs({ args: joinNegativeValues(argv, options), options, strict: true, allowPositionals: true });
    return { values: r.values as Record<string, string | boolean | undefined>, positionals: r.positionals };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const message = (e as Error).message;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const name = /'([^']+)'/.exec(message)?.[1] ?? message;
      const takes = Object.keys(spec.options).map((n) => `--${n}`);
      throw usageError(`${spec.name} does not take the option ${name}${takes.length ? ` (it takes ${takes.join(', ')}, --json)` : ''}`);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const name = /'(-[^' ]+)/.exec(message)?.[1] ?? '';
      if (/argument missing/.test(message)) throw usageError(`${name} needs a value`);
      if (/ambiguous/.test(message)) throw usageError(`${name} needs a value (one that starts with '-' is written ${name}=-…)`);
      throw usageError(`${name} takes no value`);
    }
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw usageError(message);
    throw e;
  }
}

/**
 * parseArgs takes `--timeout -5` for two options and calls the value ambiguous; a value that reads
 * as a negative number is the option's value, joined as `--timeout=-5`, so that the option's own
 * check names it ("needs a whole number 0-3600, not -5").
 */
function joinNegativeValues(argv: readonly string[], options: NonNullable<ParseArgsConfig['options']>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') return [...out, ...argv.slice(i)];
    const next = argv[i + 1];
    const takesValue = a.startsWith('--') && options[a.slice(2)]?.type === 'string';
    if (takesValue && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const json = argv.includes('--json');
  const debug = argv.includes('--debug');
  const say = io;
  let commandName: string | undefined;
  try {
    const first = argv[0];
    if (first === undefined) {
      say.stderr.write(overallHelp());
      return EXIT.input;
    }
    if (first === '--version' || first === '-V') {
      say.stdout.write(json ? `${JSON.stringify({ version: VERSION })}\n` : `pcitopo ${VERSION}\n`);
      return EXIT.ok;
    }
    if (first === '--help' || first === '-h' || first === 'help') {
      const about = first === 'help' && argv[1] !== undefined ? commandNamed(argv[1]) : undefined;
      if (first === 'help' && argv[1] !== undefined && !about) throw usageError(`unknown command '${argv[1]}' (commands: ${COMMANDS.map((c) => c.name).join(', ')})`);
      say.stdout.write(about ? commandHelp(about) : overallHelp());
      return EXIT.ok;
    }
    if (first.startsWith('-')) throw usageError(`${first} before a command: options come after it (pcitopo <command> [options])`);
    const spec = commandNamed(first);
    if (!spec) throw usageError(`unknown command '${first}' (commands: ${COMMANDS.map((c) => c.name).join(', ')})`);
    commandName = spec.name;
    const { values, positionals } = parse(spec, argv.slice(1));
    if (values.help) {
      say.stdout.write(commandHelp(spec));
      return EXIT.ok;
    }
    if (positionals.length < spec.positionals.min) throw usageError(`${spec.name} needs ${spec.args}`);
    if (positionals.length > spec.positionals.max) {
      throw usageError(`${spec.name} takes ${spec.positionals.max === 0 ? 'no argument' : `one ${spec.args}`}; unexpected '${positionals[spec.positionals.max]}'`);
    }
    const command = await spec.load();
    return await command.run({ values, positionals, io: say, json });
  } catch (e) {
    return report(e instanceof CliError && commandName && !e.command ? e.about(commandName) : e, say, json, debug);
  }
}

/** The one place an error becomes a message and an exit code. */
export function report(e: unknown, io: Io, json: boolean, debug: boolean): number {
  if (e instanceof CliError) {
    if (json) {
      const error = e.input ?? { message: e.message };
      io.stderr.write(`${JSON.stringify({ error, exitCode: e.exitCode })}\n`);
    } else {
      const hint = e.exitCode === EXIT.input && !e.input && !e.io ? `\nRun 'pcitopo ${e.command ? `${e.command} ` : ''}--help' for usage.` : '';
      io.stderr.write(`pcitopo: ${e.message}${hint}\n`);
    }
    return e.exitCode;
  }
  const message = e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e);
  const line = `internal error: ${message.split('\n')[0] ?? ''} (a bug in pcitopo ${VERSION}; please report it${debug ? '' : '; --debug prints the trace'})`;
  if (json) io.stderr.write(`${JSON.stringify({ error: { code: 'internal', message: line }, exitCode: EXIT.internal })}\n`);
  else io.stderr.write(`pcitopo: ${line}\n`);
  if (debug && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`);
  return EXIT.internal;
}
