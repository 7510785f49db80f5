// Worker entry in plain JavaScript. Published, it sits in dist/ beside the built
// remote-trainer-worker.js and loads it; in the repository it sits in src/ beside the .ts entry
// and registers tsx's loader in this thread first.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('./remote-trainer-worker.js', import.meta.url);
let entry = built;
if (!existsSync(fileURLToPath(built))) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = new URL('./remote-trainer-worker.ts', import.meta.url);
}
await import(entry.href);
