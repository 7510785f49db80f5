// piscina's worker entry, in plain JavaScript: registers tsx's loader in this thread, then
// loads the TypeScript worker. (A loader named in execArgv does not reach dynamic imports in
// worker threads on Node 20 — plugin modules written in TypeScript need this registration.)
import { register } from 'tsx/esm/api';

register();
const { default: handle } = await import(new URL('./runner-worker.ts', import.meta.url).href);
export default handle;
