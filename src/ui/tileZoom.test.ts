import { describe, expect, it } from 'vitest';
import { createTileZoom, followZoom, SETTLE_MS, type Schedule } from './tileZoom.ts';

/** A fake clock: `advance(ms)` runs what is due, in order. */
function fakeClock(): { readonly schedule: Schedule; readonly advance: (ms: number) => void; readonly pending: () => number } {
  let now = 0;
  let timers: { at: number; fn: () => void }[] = [];
  return {
    schedule: (fn, ms) => {
      const t = { at: now + ms, fn };
      timers.push(t);
      return () => {
        timers = timers.filter((x) => x !== t);
      };
    },
    advance: (ms) => {
      now += ms;
      const due = timers.filter((t) => t.at <= now).sort((a, b) => a.at - b.at);
      timers = timers.filter((t) => t.at > now);
      for (const t of due) t.fn();
    },
    pending: () => timers.length,
  };
}

describe('the zoom tiles are laid out for (a zoom under way lays out no tile)', () => {
  it('follows a zoom only once it has rested, with the zoom it rested at', () => {
    const tiles = createTileZoom(0.3);
    const clock = fakeClock();
    const follow = followZoom(tiles, clock.schedule);
    const seen: number[] = [];
    tiles.subscribe(() => seen.push(tiles.get()));
    // the frames of an animated zoom, each within SETTLE_MS of the last
    for (const z of [0.31, 0.33, 0.35, 0.36]) {
      follow.changed(z);
      clock.advance(16);
    }
    expect(tiles.get()).toBe(0.3);
    expect(seen).toEqual([]);
    clock.advance(SETTLE_MS);
    expect(tiles.get()).toBe(0.36);
    expect(seen).toEqual([0.36]);
    expect(clock.pending()).toBe(0);
  });

  it('sets a first view at once and drops a wait under way; a stopped follower sets nothing', () => {
    const tiles = createTileZoom(1);
    const clock = fakeClock();
    const follow = followZoom(tiles, clock.schedule);
    follow.changed(0.5);
    follow.now(0.25);
    expect(tiles.get()).toBe(0.25);
    clock.advance(SETTLE_MS);
    expect(tiles.get()).toBe(0.25);
    follow.changed(0.4);
    follow.stop();
    clock.advance(SETTLE_MS);
    expect(tiles.get()).toBe(0.25);
  });

  it('tells its listeners only of a change, and no more after they leave', () => {
    const tiles = createTileZoom(0.5);
    let calls = 0;
    const leave = tiles.subscribe(() => calls++);
    tiles.set(0.5);
    expect(calls).toBe(0);
    tiles.set(0.6);
    expect(calls).toBe(1);
    leave();
    tiles.set(0.7);
    expect(calls).toBe(1);
  });
});

describe('what a new tile zoom restyles (styles.css)', () => {
  interface NodeFs {
    readFileSync(path: URL, encoding: 'utf8'): string;
  }
  // as dropRenders.test.ts reads it: Vitest hands CSS imports over empty, the UI's tsconfig has no Node types
  const nodeProcess = (globalThis as unknown as { process: { getBuiltinModule(id: 'node:fs'): NodeFs } }).process;
  const css = nodeProcess.getBuiltinModule('node:fs').readFileSync(new URL('./styles.css', import.meta.url), 'utf8');
  const rules = [...css.replace(/\/\*[\s\S]*?\*\//g, '').matchAll(/([^{}]+)\{([^}]*)\}/g)].map((m) => ({ selector: (m[1] ?? '').trim(), body: m[2] ?? '' }));

  it('registers --z and --u as not inherited: a new value restyles the tiles, not the ~17,400 elements inside them', () => {
    for (const name of ['--z', '--u']) {
      const at = new RegExp(`@property\\s+${name}\\s*\\{[^}]*inherits:\\s*false`);
      expect(css, name).toMatch(at);
    }
  });

  it('sizes what is inside a tile in pixels, never by the zoom: chips, the chip row, the title row', () => {
    const inside = rules.filter((r) => /\.(chip|tchips|tchiprow|trow|ttitle|tline|tkind)\b/.test(r.selector) && !r.selector.includes('lg-sample'));
    expect(inside.length).toBeGreaterThan(5);
    for (const r of inside) expect(r.body, r.selector).not.toMatch(/var\(--(u|z)\)/);
    // the chip row's layout is its own: a new tile width moves it and lays out none of its chips
    expect(rules.find((r) => r.selector === '.tchiprow')?.body).toMatch(/contain:\s*size layout/);
  });
});
