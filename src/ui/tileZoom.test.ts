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
