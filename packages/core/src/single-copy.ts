import { DistilleryError } from './errors.js';

/**
 * One @distillery/core per thread. A second copy — typically a plugin that imports the
 * @distillery/core of its own project while a `distillery` installed elsewhere (globally) runs
 * it — brings its own TensorFlow.js backends, whose kernels register on the one engine tfjs
 * keeps per thread, over the kernels this Distillery set up: training then fails deep inside
 * tfjs ("wasmBatchMatMul is not a function"). The second copy refuses here, on import, naming
 * both and the way out. The same copy imported again (a test runner re-running a file) is fine.
 */
const KEY = Symbol.for('@distillery/core: loaded from');
const here = import.meta.url;
const registry = globalThis as unknown as Record<symbol, string | undefined>;
const first = registry[KEY];
if (first === undefined) registry[KEY] = here;
else if (first !== here) throw secondCopyError(first, here);

function secondCopyError(first: string, second: string): DistilleryError {
  const where = (url: string) => packageFolder(url);
  return new DistilleryError(
    'E_DUPLICATE_CORE',
    `a second copy of @distillery/core is being loaded (from ${where(second)}) beside the one this Distillery runs on (${where(first)}); ` +
      'two copies cannot share TensorFlow.js. This happens when a plugin imports the @distillery/core of its own project while a distillery installed elsewhere (globally) runs it: ' +
      'install @distillery/cli in that project too (`npm install @distillery/cli`), and run its distillery (`npx distillery …`; a global one hands over to it)',
    { details: { first, second } },
  );
}

/** The package folder a module URL lies in (…/node_modules/@distillery/core), for the message. */
function packageFolder(url: string): string {
  const path = url.startsWith('file:') ? decodeURIComponent(new URL(url).pathname) : url;
  const match = /^(.*[\\/]@distillery[\\/]core)[\\/]/.exec(path) ?? /^(.*[\\/]core)[\\/](src|dist)[\\/]/.exec(path);
  return match?.[1] ?? path;
}
