/**
 * CodeMirror under the app's Content-Security-Policy (`style-src 'self'`, src/cli/serve/headers.ts).
 * CodeMirror's themes go through style-mod, which writes a `<style>` element into a document (the
 * policy blocks it, and the editor then has no `white-space: pre`, so typed indentation collapses)
 * and uses a constructable stylesheet (`document.adoptedStyleSheets`, not governed by style-src) only
 * for a root without a `<head>`. style-mod picks its way once per root, when it first mounts there:
 * this mounts nothing on the document once with `head` hidden, so it picks the stylesheet, and
 * every later mount (every editor, every theme) adds its rules there.
 * Why not a nonce: the built index.html is static (its <meta> policy cannot carry a fresh one).
 */
import { StyleModule } from 'style-mod';

let done = false;

export function adoptCodeMirrorStyles(doc: Document = document): void {
  if (done || !('adoptedStyleSheets' in doc)) return;
  done = true;
  Object.defineProperty(doc, 'head', { configurable: true, get: () => null });
  try {
    StyleModule.mount(doc, []);
  } finally {
    // the own property goes; Document.prototype's `head` shows through again
    delete (doc as { head?: unknown }).head;
  }
}
