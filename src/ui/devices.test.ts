import { describe, expect, it } from 'vitest';
import type { GuestDevice, Severity } from '../engine/index.ts';
import { demoDesign } from '../engine/index.ts';
import { parseSelected, parseSeverities, selectedOnBus, severitiesOnBus } from './devices.ts';

const devices: readonly GuestDevice[] = demoDesign().guest.devices.slice(0, 3);
const [a, b, c] = devices.map((d) => d.key) as [string, string, string];
const none = new Set<string>();

describe("a tile's one subscription for its chips' selection", () => {
  it('is empty when nothing or nothing of this bus is selected', () => {
    expect(selectedOnBus({ selection: null, selectedDevices: none }, devices)).toBe('');
    expect(selectedOnBus({ selection: { kind: 'device', key: 'elsewhere' }, selectedDevices: new Set(['elsewhere']) }, devices)).toBe('');
    expect(selectedOnBus({ selection: { kind: 'controller', key: a }, selectedDevices: none }, devices)).toBe('');
  });

  it('names the selected device and the multi-selection on this bus, each once', () => {
    expect(parseSelected(selectedOnBus({ selection: { kind: 'device', key: b }, selectedDevices: none }, devices))).toEqual(new Set([b]));
    const text = selectedOnBus({ selection: { kind: 'device', key: a }, selectedDevices: new Set([a, c, 'elsewhere']) }, devices);
    expect(text).toBe(`${a}\n${c}\n`);
    expect(parseSelected(text)).toEqual(new Set([a, c]));
  });
});

describe("a tile's one subscription for its chips' severities", () => {
  it('is empty without findings on the bus, and the same string (no re-render) for the same index', () => {
    expect(severitiesOnBus(new Map(), devices)).toBe('');
    expect(severitiesOnBus(new Map([['elsewhere', 'error']]), devices)).toBe('');
    expect(parseSeverities('')).toEqual(new Map());
  });

  it('gives each device of the bus its worst severity, in bus order, and reads back', () => {
    const index = new Map<string, Severity>([
      [c, 'warning'],
      [a, 'error'],
    ]);
    const text = severitiesOnBus(index, devices);
    expect(text).toBe(`${a}\u0000error\n${c}\u0000warning\n`);
    expect(parseSeverities(text)).toEqual(new Map([[a, 'error'], [c, 'warning']]));
    // memoised by index and bus: a new index is read afresh
    expect(severitiesOnBus(new Map([[b, 'info']]), devices)).toBe(`${b}\u0000info\n`);
  });
});
