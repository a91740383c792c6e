/** Test helpers for actions: a store on the demo (or a template), a view that counts calls, an in-memory localStorage. */
import type { TemplateMachine } from '../../engine/index.ts';
import { createDesign, DEMO_HOST_XML, demoDesign, importHost, MACHINE_TEMPLATES } from '../../engine/index.ts';
import { createDesignerStore, docOf } from '../../store/index.ts';
import type { ActionContext, ViewApi } from './types.ts';

export function demoStore() {
  return createDesignerStore(docOf(demoDesign(), 'Open the demo', DEMO_HOST_XML, 'demo.xml', true));
}

export function templateStore(machine: TemplateMachine) {
  const host = importHost(DEMO_HOST_XML, 'demo host');
  if (!host.ok) throw new Error(host.error.message);
  const r = createDesign(MACHINE_TEMPLATES[machine], host.value, `${machine}.xml`);
  if (!r.ok) throw new Error(r.error.message);
  return createDesignerStore(docOf(r.value, `New ${machine} design`, DEMO_HOST_XML, `${machine}.xml`, true));
}

export function countingView(): ViewApi & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    zoomIn: () => calls.push('zoomIn'),
    zoomOut: () => calls.push('zoomOut'),
    fit: () => calls.push('fit'),
    fitNodes: (ids) => calls.push(`fitNodes:${ids.join(',')}`),
  };
}

export function contextOf(store: ReturnType<typeof demoStore>, view: ViewApi = countingView()): ActionContext {
  return { store, view };
}

/** An in-memory localStorage (the browser's has the same five members). */
export class MemoryStorage implements Storage {
  private readonly items = new Map<string, string>();
  get length(): number {
    return this.items.size;
  }
  clear(): void {
    this.items.clear();
  }
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  key(index: number): string | null {
    return [...this.items.keys()][index] ?? null;
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
}
