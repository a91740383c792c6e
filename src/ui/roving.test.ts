import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { idleTask } from './roving.ts';

describe('tab stops set again when the page is idle, not in the frame after an edit', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs once for several requests, later, not at once', () => {
    let runs = 0;
    const task = idleTask(() => runs++);
    task.request();
    task.request();
    task.request();
    expect(runs).toBe(0);
    vi.runAllTimers();
    expect(runs).toBe(1);
    // a request after the run is a new one
    task.request();
    vi.runAllTimers();
    expect(runs).toBe(2);
  });

  it('a flush (a Tab pressed) runs a pending request now and only once; with nothing pending it does nothing', () => {
    let runs = 0;
    const task = idleTask(() => runs++);
    task.flush();
    expect(runs).toBe(0);
    task.request();
    task.flush();
    expect(runs).toBe(1);
    vi.runAllTimers();
    expect(runs).toBe(1);
  });

  it('a cancelled request never runs', () => {
    let runs = 0;
    const task = idleTask(() => runs++);
    task.request();
    task.cancel();
    vi.runAllTimers();
    task.flush();
    expect(runs).toBe(0);
  });
});
