import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Each run starts with no exported XML or screenshots from an earlier run, so the real-libvirt
// stage verifies exactly what this run's workflows exported.
export default function globalSetup(): void {
  const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'output');
  for (const dir of ['exported', 'screenshots']) fs.rmSync(path.join(out, dir), { recursive: true, force: true });
}
