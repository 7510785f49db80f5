#!/usr/bin/env node
// The `distillery` command. Installed from npm, the package holds dist/ (built JavaScript) and
// no src/: it runs dist/main.js on plain Node. In the repository src/ is there and it runs the
// TypeScript source through tsx's loader, so development needs no build step.
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = fileURLToPath(new URL('..', import.meta.url));

// A distillery installed elsewhere (globally) hands over to the one the project in the current
// folder installed, when it has one: that project's plugins import its own @distillery/core,
// and two copies of it cannot share TensorFlow.js. DISTILLERY_NO_LOCAL=1 keeps this one.
const local = process.env.DISTILLERY_NO_LOCAL === '1' ? undefined : projectCli(process.cwd());
if (local !== undefined) {
  await import(pathToFileURL(join(local, 'bin', 'distillery.js')).href);
} else {
  const source = new URL('../src/main.ts', import.meta.url);
  let entry = new URL('../dist/main.js', import.meta.url);
  if (existsSync(fileURLToPath(source))) {
    const { register } = await import('tsx/esm/api');
    register();
    entry = source;
  }
  const { main } = await import(entry.href);
  process.exitCode = await main(process.argv);
}

/** The nearest node_modules/@distillery/cli from `folder` upwards, when it is another copy than this one. */
function projectCli(folder) {
  for (let dir = folder; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', '@distillery', 'cli');
    if (existsSync(join(candidate, 'bin', 'distillery.js'))) {
      try {
        return realpathSync(candidate) === realpathSync(here) ? undefined : candidate;
      } catch {
        return undefined;
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}
