/**
 * The lines of the live XML that the design changed against the imported text, for "changed lines"
 * in the XML editor. jsdiff's line diff (Myers) is used rather than own code: it is the well-kept
 * standard, and only the editor's lazy chunk loads it.
 */
import { diffLines } from 'diff';

export interface LineChanges {
  /** 1-based lines of `after` that are new or changed, ascending */
  readonly lines: readonly number[];
  /** 1-based lines of `after` just after which lines of `before` were removed (no line of its own shows them) */
  readonly removedAt: readonly number[];
}

export function changedLines(before: string, after: string): LineChanges {
  if (before === after) return { lines: [], removedAt: [] };
  const lines: number[] = [];
  const removedAt: number[] = [];
  let line = 1;
  for (const part of diffLines(before, after)) {
    const n = part.count ?? part.value.split('\n').length - (part.value.endsWith('\n') ? 1 : 0);
    if (part.added) for (let i = 0; i < n; i++) lines.push(line + i);
    if (part.removed) removedAt.push(Math.max(1, line));
    else line += n;
  }
  return { lines, removedAt };
}

/**
 * Every line to mark as changed, ascending and once each: the editor's line decorations must be
 * added in order (CodeMirror's RangeSetBuilder throws otherwise), and with several changes the
 * lines after which something was removed interleave with the changed ones.
 */
export function markedLines(changes: LineChanges): number[] {
  return [...new Set([...changes.lines, ...changes.removedAt])].sort((a, b) => a - b);
}

/** First lines of each run of changed lines (a change of several lines is one stop), ascending. */
export function changeStarts(changes: LineChanges): number[] {
  const all = markedLines(changes);
  return all.filter((l, i) => i === 0 || all[i - 1] !== l - 1);
}

/** The start of the next change after `line` (dir 1) or the previous one before it (dir -1), wrapping around; undefined when nothing changed. */
export function nextChange(changes: LineChanges, line: number, dir: 1 | -1): number | undefined {
  const starts = changeStarts(changes);
  if (starts.length === 0) return undefined;
  if (dir === 1) return starts.find((l) => l > line) ?? starts[0];
  return [...starts].reverse().find((l) => l < line) ?? starts[starts.length - 1];
}
