import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DistilleryError } from '../errors.js';

/**
 * Finds a plugin module the way the user's project sees it — a path relative to `baseDir`, or a
 * package in a node_modules folder at or above `baseDir` — not relative to Distillery's own
 * files, so a worker thread given the same `baseDir` finds the very module the main thread
 * found. Nothing is fetched or installed.
 */
export function resolvePluginModule(specifier: string, baseDir: string): string {
  if (specifier.startsWith('file:')) return specifier;
  if (isPluginPath(specifier)) {
    const path = resolve(baseDir, specifier);
    if (!existsSync(path)) {
      throw new DistilleryError('E_PLUGIN_NOT_FOUND', `plugin module ${specifier} not found (looked for ${path})`);
    }
    return pathToFileURL(path).href;
  }
  const { name, subpath } = splitPackageSpecifier(specifier);
  for (let dir = resolve(baseDir); ; dir = dirname(dir)) {
    const packageDir = join(dir, 'node_modules', name);
    if (existsSync(join(packageDir, 'package.json'))) {
      // The real path, as Node's own resolver gives: a workspace package is a symlink, and
      // TypeScript loaders (tsx) leave files under node_modules untransformed.
      return pathToFileURL(realpathSync(join(packageDir, packageEntry(packageDir, subpath, specifier)))).href;
    }
    if (dirname(dir) === dir) break;
  }
  throw new DistilleryError(
    'E_PLUGIN_NOT_FOUND',
    `plugin package ${name} is not installed (searched node_modules from ${baseDir} upwards); install it, e.g. \`pnpm add ${name}\``,
  );
}

/** A plugin named by its file (`./my-plugin.mjs`, an absolute path, a `file:` URL) rather than a package. */
export function isPluginPath(specifier: string): boolean {
  return specifier.startsWith('file:') || specifier.startsWith('.') || isAbsolute(specifier);
}

function splitPackageSpecifier(specifier: string): { name: string; subpath: string } {
  const parts = specifier.split('/');
  const nameParts = specifier.startsWith('@') ? 2 : 1;
  return { name: parts.slice(0, nameParts).join('/'), subpath: ['.', ...parts.slice(nameParts)].join('/') };
}

type Exports = string | { readonly [key: string]: Exports } | null;

/** The file a package exposes for `import` at `subpath`, from its exports map (or main). */
function packageEntry(packageDir: string, subpath: string, specifier: string): string {
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { exports?: Exports; module?: string; main?: string };
  if (manifest.exports !== undefined && manifest.exports !== null) {
    const exports = manifest.exports;
    const isSubpathMap = typeof exports === 'object' && Object.keys(exports).some((k) => k.startsWith('.'));
    const target = isSubpathMap ? (exports as Record<string, Exports>)[subpath] : subpath === '.' ? exports : undefined;
    const file = pickCondition(target);
    if (file === undefined) throw new DistilleryError('E_PLUGIN_NOT_FOUND', `package ${specifier}: its exports map has no importable entry for ${subpath}`);
    return file;
  }
  if (subpath !== '.') return subpath;
  return manifest.module ?? manifest.main ?? 'index.js';
}

function pickCondition(target: Exports | undefined): string | undefined {
  if (target === undefined || target === null) return undefined;
  if (typeof target === 'string') return target;
  for (const condition of ['import', 'node', 'default']) {
    const picked = pickCondition(target[condition]);
    if (picked !== undefined) return picked;
  }
  return undefined;
}
