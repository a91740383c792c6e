import { useMemo, useState } from 'react';
import { exportDomain } from '../engine/index.ts';
import { useDesigner } from '../store/index.ts';

/** Lines of `after` not in `before` at the same position, after skipping the common head and tail. */
function changedLines(before: string, after: string): { added: Set<number>; removed: number } {
  const a = before.split('\n');
  const b = after.split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const added = new Set<number>();
  for (let i = head; i < b.length - tail; i++) added.add(i);
  return { added, removed: a.length - head - tail };
}

export function XmlPanel() {
  const design = useDesigner((s) => s.present?.design);
  const [open, setOpen] = useState(true);
  const [diff, setDiff] = useState(false);
  const xml = useMemo(() => (design ? exportDomain(design) : ''), [design]);
  const changes = useMemo(() => (design && diff ? changedLines(design.source.text, xml) : null), [design, xml, diff]);
  const edited = design ? xml !== design.source.text : false;
  return (
    <section className={`xmlpanel${open ? ' open' : ''}`} aria-label="Domain XML">
      <div className="panel-head">
        <button type="button" className="linkish" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? '▾' : '▸'} Domain XML
        </button>
        <span className="muted">{edited ? 'changed since import' : 'as imported'}</span>
        <label className="muted">
          <input type="checkbox" checked={diff} onChange={(e) => setDiff(e.target.checked)} /> highlight changes
        </label>
        {changes ? <span className="muted">{changes.added.size} line(s) changed</span> : null}
      </div>
      <pre data-testid="xml-preview" className="xml" tabIndex={0} aria-label="Live XML of the design" hidden={!open}>
        {changes
          ? xml.split('\n').map((line, i) => (
              <span key={i} className={changes.added.has(i) ? 'add' : undefined}>
                {line}
                {'\n'}
              </span>
            ))
          : xml}
      </pre>
    </section>
  );
}
