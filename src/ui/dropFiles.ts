/**
 * The files of a drop on the window: every file dropped, and the `.xml` files of a dropped folder
 * (its entries read through the File and Directory Entries API, one level deep: what `pcitopo
 * collect` writes). Read before the drop event ends, since the browser empties the transfer after.
 */
import type { FileText } from './actions/index.ts';

const fileOf = (entry: FileSystemFileEntry): Promise<File> => new Promise((resolve, reject) => entry.file(resolve, reject));

/** Every entry of a folder (readEntries gives them in batches until an empty one). */
async function entriesOf(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const out: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) return out;
    out.push(...batch);
  }
}

const isFile = (e: FileSystemEntry | null): e is FileSystemFileEntry => !!e?.isFile;
const isDir = (e: FileSystemEntry | null): e is FileSystemDirectoryEntry => !!e?.isDirectory;

export async function droppedFiles(dt: DataTransfer): Promise<FileText[]> {
  const entries = [...dt.items].filter((i) => i.kind === 'file').map((i) => i.webkitGetAsEntry?.() ?? null);
  if (!entries.some(isDir)) {
    return Promise.all([...dt.files].map(async (f) => ({ text: await f.text(), file: f.name })));
  }
  const files: Promise<FileText>[] = [];
  for (const e of entries) {
    if (isFile(e)) files.push(fileOf(e).then(async (f) => ({ text: await f.text(), file: f.name })));
    if (isDir(e)) {
      for (const child of await entriesOf(e)) {
        if (isFile(child) && /\.xml$/i.test(child.name)) files.push(fileOf(child).then(async (f) => ({ text: await f.text(), file: `${e.name}/${f.name}` })));
      }
    }
  }
  return Promise.all(files);
}
