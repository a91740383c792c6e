import { describe, expect, it } from 'vitest';
import * as all from './index.ts';
import { keyLabel, keyOf } from './keys.ts';
import { actionForKey, registeredActions } from './registry.ts';
import { demoStore } from './testkit.ts';

/** every module of this folder, as Vite (and Vitest) list them */
const modules = Object.keys(import.meta.glob('./*.ts')).map((p) => p.slice(2));
/** files of this folder that are the registry's machinery, not actions */
const MACHINERY = new Set(['types.ts', 'registry.ts', 'run.ts', 'keys.ts', 'view.ts', 'selection.ts', 'index.ts', 'testkit.ts']);

describe('the action registry', () => {
  it('holds one action per action file, each exported from index.ts', () => {
    const files = modules.filter((f) => !f.endsWith('.test.ts') && !MACHINERY.has(f));
    expect(files.length).toBeGreaterThan(20);
    const exported = new Set<unknown>(Object.values(all));
    expect(registeredActions()).toHaveLength(files.length);
    for (const a of registeredActions()) expect(exported.has(a), a.id).toBe(true);
    const ids = registeredActions().map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z]+(-[a-z]+)*$/);
  });

  it('binds no shortcut twice, and every shortcut runs an action that takes no argument', () => {
    const seen = new Map<string, string>();
    const s = demoStore().getState();
    for (const a of registeredActions()) {
      for (const k of a.keys ?? []) {
        expect(seen.get(k), `${k} is bound to ${seen.get(k)} and ${a.id}`).toBeUndefined();
        seen.set(k, a.id);
        expect(actionForKey(k)).toBe(a);
      }
      if (a.keys?.length) expect(() => a.enabled(s, undefined)).not.toThrow();
    }
    // the shortcuts issue 10 asks for
    for (const [k, id] of [['Mod+Z', 'undo'], ['Mod+Shift+Z', 'redo'], ['Mod+Y', 'redo'], ['Delete', 'remove'], ['+', 'zoom-in'], ['-', 'zoom-out'], ['Shift+1', 'fit-all'], ['Shift+2', 'fit-selection'], ['Shift+F10', 'context-menu'], ['M', 'focus-move-to'], ['Escape', 'deselect']] as const) {
      expect(actionForKey(k)?.id, k).toBe(id);
    }
  });

  it('every action says why it cannot run, in a sentence', () => {
    const empty = demoStore();
    empty.getState().load(null);
    for (const a of registeredActions()) {
      if (a.keys === undefined && a.id !== 'auto-place' && a.id !== 'export-xml') continue;
      const e = a.enabled(empty.getState(), undefined);
      if (e !== true) expect(e, a.id).toMatch(/^[A-Z].{8,}[^.]$/);
    }
  });
});

describe('keyOf', () => {
  const k = (key: string, code: string, mods: Partial<Record<'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey', boolean>> = {}) => keyOf({ key, code, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...mods });
  it('reads modifiers, letters in upper case, digits from the physical key, + and - from the character', () => {
    expect(k('z', 'KeyZ', { ctrlKey: true })).toBe('Mod+Z');
    expect(k('Z', 'KeyZ', { metaKey: true, shiftKey: true })).toBe('Mod+Shift+Z');
    expect(k('!', 'Digit1', { shiftKey: true })).toBe('Shift+1');
    expect(k('+', 'Equal', { shiftKey: true })).toBe('+');
    expect(k('+', 'NumpadAdd')).toBe('+');
    expect(k('-', 'Minus')).toBe('-');
    expect(k('F10', 'F10', { shiftKey: true })).toBe('Shift+F10');
    expect(k('Delete', 'Delete')).toBe('Delete');
    expect(k('m', 'KeyM')).toBe('M');
    expect(keyLabel('Mod+Shift+Z')).toBe('Ctrl+Shift+Z');
  });
});
