// Builds Distillery's optional native kernels (build/distillery-native.node) when a C compiler,
// Node's headers and a BLAS are present. It never fails the install: without them Distillery
// runs on wasm alone, and build/build-info.json says why the addon was not built.
//
//   node packages/native/scripts/build.mjs          # (re)build by hand, e.g. after apt-get install libopenblas-dev
//
// A plain compiler call rather than node-gyp: node-gyp downloads Node's headers from the
// internet, which locked-down machines cannot reach; Node-API addons need only the headers.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'addon', 'distillery-native.c');
const buildDir = join(root, 'build');
const target = join(buildDir, 'distillery-native.node');
const infoFile = join(buildDir, 'build-info.json');

function run(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim() };
}

function findCompiler() {
  const candidates = [process.env.CC, 'cc', 'gcc', 'clang'].filter(Boolean);
  return candidates.find((cc) => run(cc, ['--version']).ok);
}

function findNodeHeaders() {
  const candidates = [
    process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include', 'node'),
    resolve(dirname(process.execPath), '..', 'include', 'node'),
    join(homedir(), '.cache', 'node-gyp', process.versions.node, 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ].filter(Boolean);
  return candidates.find((dir) => existsSync(join(dir, 'node_api.h')));
}

/** BLAS flavours, tried in order; the first that compiles and links wins. */
function blasCandidates() {
  if (process.platform === 'darwin') return [{ name: 'accelerate', flags: ['-DDISTILLERY_ACCELERATE', '-framework', 'Accelerate'] }];
  return [
    { name: 'openblas', flags: ['-DDISTILLERY_OPENBLAS', '-lopenblas'] },
    { name: 'openblas', flags: ['-DDISTILLERY_OPENBLAS', '-I/usr/include/openblas', '-lopenblas'] },
    { name: 'blis', flags: ['-I/usr/include/blis', '-lblis'] },
    { name: 'cblas', flags: ['-lcblas'] },
  ];
}

function writeInfo(info) {
  mkdirSync(buildDir, { recursive: true });
  writeFileSync(infoFile, `${JSON.stringify({ ...info, node: process.versions.node, platform: process.platform, arch: process.arch }, null, 2)}\n`);
}

/** Loads the fresh addon in a child process and checks one small product against a hand value. */
function smokeTest(file) {
  const script = `
    const addon = require(${JSON.stringify(file)});
    const heap = new Float32Array(64);
    heap.set([1, 2, 3, 4, 5, 6], 0);      // A 2x3
    heap.set([1, 0, 0, 1, 1, 1], 8);      // B 3x2
    addon.gemm(heap.buffer, 1, 2, 2, 3, 0, 0, 0, 0, 32, 0, 64, -1, 0, 0);
    const c = Array.from(heap.subarray(16, 20));
    if (c.join(',') !== '4,5,10,11') throw new Error('wrong product ' + c.join(','));`;
  return run(process.execPath, ['-e', script]);
}

function build() {
  if (process.env.DISTILLERY_NATIVE_BUILD === '0') return { built: false, reason: 'DISTILLERY_NATIVE_BUILD=0 skipped the build' };
  const cc = findCompiler();
  if (cc === undefined) return { built: false, reason: 'no C compiler found (cc, gcc or clang; or set CC)' };
  const headers = findNodeHeaders();
  if (headers === undefined) return { built: false, reason: "Node's headers (node_api.h) were not found next to the node binary" };
  mkdirSync(buildDir, { recursive: true });
  const temporary = join(buildDir, `distillery-native.${process.pid}.tmp.node`);
  const failures = [];
  for (const blas of blasCandidates()) {
    const shared = process.platform === 'darwin' ? ['-bundle', '-undefined', 'dynamic_lookup'] : ['-shared', '-fPIC'];
    // ISO C and no contraction: every float op rounds as tfjs' own ops do (Adam's bits match).
    const args = ['-O3', '-std=c11', '-ffp-contract=off', '-fno-math-errno', ...shared, `-I${headers}`, '-o', temporary, source, ...blas.flags, '-lm'];
    const compiled = run(cc, args);
    if (!compiled.ok) {
      failures.push(`${blas.name}: ${compiled.output.split('\n').find((l) => /error/i.test(l)) ?? compiled.output.slice(0, 200)}`);
      continue;
    }
    const smoke = smokeTest(temporary);
    if (!smoke.ok) {
      failures.push(`${blas.name}: built but failed its check (${smoke.output.split('\n')[0]})`);
      rmSync(temporary, { force: true });
      continue;
    }
    // Rename last, so a process never loads a half-written addon.
    renameSync(temporary, target);
    return { built: true, blas: blas.name, compiler: cc };
  }
  rmSync(temporary, { force: true });
  return { built: false, reason: `no usable BLAS (install libopenblas-dev, or libblis-dev): ${failures.join('; ')}` };
}

try {
  const info = build();
  if (!info.built) rmSync(target, { force: true });
  writeInfo(info);
  console.log(info.built ? `@distillery/native: built with ${info.blas}` : `@distillery/native: not built (${info.reason}); Distillery runs on wasm`);
} catch (error) {
  console.log(`@distillery/native: not built (${error instanceof Error ? error.message : String(error)}); Distillery runs on wasm`);
}
