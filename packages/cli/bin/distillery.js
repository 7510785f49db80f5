#!/usr/bin/env node
// The `distillery` command. Installed from npm, the package holds dist/ (built JavaScript) and
// no src/: it runs dist/main.js on plain Node. In the repository src/ is there and it runs the
// TypeScript source through tsx's loader, so development needs no build step.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = new URL('../src/main.ts', import.meta.url);
let entry = new URL('../dist/main.js', import.meta.url);
if (existsSync(fileURLToPath(source))) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = source;
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
