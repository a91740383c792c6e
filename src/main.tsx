/**
 * The page's first script, kept small: it runs while the app's chunk (app.tsx, fetched beside it
 * through a modulepreload link, vite.config.ts) is still downloading and compiling, and starts
 * opening the browser's storage, the longest wait before a saved design can be drawn (the first
 * open on a profile creates the database). That wait then overlaps the download instead of following
 * it; boot (ui/boot.ts) shares the same connection. The styles stay here, so index.html links them.
 */
import '@xyflow/react/dist/style.css';
import './ui/styles.css';
import { db } from './ui/database.ts';

// a failure is boot's to report: it opens the database again and says why it cannot
db().catch(() => undefined);
void import('./app.tsx');
