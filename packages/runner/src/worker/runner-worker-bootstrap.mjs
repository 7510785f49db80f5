// piscina's worker entry, in plain JavaScript. Published, it sits in dist/ beside the built
// runner-worker.js and loads it. In the repository it sits in src/ beside runner-worker.ts: it
// registers tsx's loader in this thread first (a loader named in execArgv does not reach
// dynamic imports in worker threads on Node 20).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('./runner-worker.js', import.meta.url);
let entry = built;
if (!existsSync(fileURLToPath(built))) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = new URL('./runner-worker.ts', import.meta.url);
}
const { default: handle } = await import(entry.href);
export default handle;
