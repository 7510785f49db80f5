// A ceiling thread's entry, in plain JavaScript: tsx's loader does not reach worker threads on
// Node 20 through execArgv, so it is registered here before the TypeScript is imported.
const { register } = await import('tsx/esm/api');
register();
await import(new URL('./thread-ceiling.ts', import.meta.url).href);
