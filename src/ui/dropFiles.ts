/**
 * The files of a drop on the window: every file dropped, and the `.xml` files of a dropped folder
 * (its entries read through the File and Directory Entries API, one level deep: what `pcitopo
 * collect` writes). Read before the drop event ends, since the browser empties the transfer after.
 * A folder picked with "Open folder…" is read the same way (folderFiles).
 */
import type { FileText } from './actions/index.ts';
import { readXmlFile, readXmlFiles } from './readFiles.ts';

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
    return readXmlFiles(dt.files);
  }
  const files: Promise<FileText>[] = [];
  for (const e of entries) {
    if (isFile(e)) files.push(fileOf(e).then((f) => readXmlFile(f, f.name)));
    if (isDir(e)) {
      for (const child of await entriesOf(e)) {
        if (isFile(child) && /\.xml$/i.test(child.name)) files.push(fileOf(child).then((f) => readXmlFile(f, `${e.name}/${f.name}`)));
      }
    }
  }
  return Promise.all(files);
}

/** A picked file's path inside the picked folder (`webkitRelativePath`: "folder/sub/name.xml"). */
const pathOf = (f: File): string => f.webkitRelativePath || f.name;

/**
 * The folder a folder picker (`<input type=file webkitdirectory>`) gave, and its `.xml` files one
 * level deep, as a dropped folder is read (the browser lists the files of every subfolder too:
 * those are left out). Each file is named `folder/name.xml`.
 */
export async function folderFiles(list: FileList | readonly File[] | null | undefined): Promise<{ folder: string; files: FileText[] }> {
  const all = [...(list ?? [])];
  const folder = all[0] ? (pathOf(all[0]).split('/')[0] ?? '') : '';
  const top = all.filter((f) => pathOf(f).split('/').length <= 2 && /\.xml$/i.test(f.name));
  return { folder, files: await Promise.all(top.map((f) => readXmlFile(f, pathOf(f)))) };
}
