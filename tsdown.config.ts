import { fileURLToPath } from 'node:url';
import { defineConfig, type UserConfig } from 'tsdown';

// `pnpm build` (or `pnpm pack` of one package, through its prepack) writes each package's
// dist/: JavaScript and .d.ts, unbundled so dist/ mirrors src/ and every
// `new URL('../…', import.meta.url)` still names the same file. Inside the repository
// nothing needs dist/: exports point at src/*.ts; only the packed tarballs use it.
const root = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** Each package's public entries, and the runner's worker entries (loaded by URL). */
const entries: Record<string, string[]> = {
  core: ['src/index.ts', 'src/testing.ts'],
  native: ['src/index.ts'],
  losses: ['src/index.ts'],
  students: ['src/index.ts'],
  teachers: ['src/index.ts'],
  augmentations: ['src/index.ts'],
  datasets: ['src/index.ts'],
  onnx: ['src/index.ts'],
  runner: ['src/index.ts', 'src/worker/runner-worker.ts', 'src/remote/remote-trainer-worker.ts'],
  cli: ['src/index.ts', 'src/main.ts'],
};

/** The worker bootstraps are plain JavaScript that load the built .js entry beside them. */
const copies: Record<string, Array<{ from: string; to: string }>> = {
  runner: [
    { from: 'src/worker/runner-worker-bootstrap.mjs', to: 'dist/worker' },
    { from: 'src/remote/remote-trainer-bootstrap.mjs', to: 'dist/remote' },
  ],
};

export default defineConfig(
  Object.entries(entries).map(
    ([name, entry]): UserConfig => ({
      name,
      cwd: root(`packages/${name}`),
      entry,
      unbundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      outDir: 'dist',
      clean: true,
      fixedExtension: false,
      tsconfig: root('tsconfig.build.json'),
      dts: true,
      // Nothing from another package (ours or a dependency) is inlined: a dependency missing
      // from a package.json then fails the install-like-a-user test instead of hiding in dist/.
      deps: { neverBundle: [/^[^./]/] },
      copy: copies[name] ?? [],
      logLevel: 'warn',
      failOnWarn: false,
      checks: { pluginTimings: false },
    }),
  ),
);
