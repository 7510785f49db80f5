/**
 * Workers run our TypeScript sources. Under `tsx` the loader is already in process.execArgv
 * (and workers inherit it); elsewhere (vitest's forks, plain node) we add tsx's loader.
 */
export function typeScriptExecArgv(): string[] {
  const inherited = process.execArgv;
  // Match tsx's own files (…/tsx/dist/loader.mjs), not any path that merely mentions tsx.
  if (inherited.some((arg) => arg === 'tsx' || /[\\/]tsx[\\/]dist[\\/]/.test(arg))) return inherited;
  return [...inherited, '--import', import.meta.resolve('tsx')];
}
