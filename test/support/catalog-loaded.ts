// vitest setup (vitest.config.ts): the app loads the rule catalog as a lazy chunk after its first
// paint (src/store/findings.ts); unit tests start with it loaded, as the page is once it has
// painted. Tests of the time before it is loaded import the store afresh (src/store/catalog.test.ts).
import { loadCatalog } from '../../src/store/findings.ts';

await loadCatalog();
