/**
 * The docs cannot rot: every fenced TypeScript or shell block in README.md and docs/*.md says
 * in its info string whether it is `runnable` (run here) or a `fragment` (an excerpt, not run).
 * Runnable TypeScript blocks run as modules from a folder inside the workspace (so the packages
 * resolve), with every `epochs: N` set to 1; runnable shell blocks run as written, line by line,
 * `pnpm distill` being the repository's bin.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN } from './cli-helpers.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const CHECKED_LANGUAGES = new Set(['ts', 'typescript', 'js', 'javascript', 'mjs', 'sh', 'bash', 'shell']);

interface Block {
  readonly file: string;
  readonly line: number;
  readonly language: string;
  readonly mode: 'runnable' | 'fragment' | undefined;
  readonly code: string;
}

function blocksOf(file: string): Block[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S+)(.*)$/.exec(lines[i]!);
    if (open === null) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.startsWith('```'); i++) body.push(lines[i]!);
    const words = open[2]!.trim().split(/\s+/);
    const mode = words.includes('runnable') ? 'runnable' : words.includes('fragment') ? 'fragment' : undefined;
    blocks.push({ file: relative(REPO, file), line: start + 1, language: open[1]!, mode, code: body.join('\n') });
  }
  return blocks;
}

const docs = [join(REPO, 'README.md'), ...readdirSync(join(REPO, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join(REPO, 'docs', f))];
const blocks = docs.flatMap(blocksOf).filter((b) => CHECKED_LANGUAGES.has(b.language));
const runnable = blocks.filter((b) => b.mode === 'runnable');

const work = mkdtempSync(join(REPO, 'test', '.docs-run-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('code blocks in the docs', () => {
  it('each TypeScript and shell block is marked runnable or fragment', () => {
    const unmarked = blocks.filter((b) => b.mode === undefined).map((b) => `${b.file}:${b.line} (\`\`\`${b.language})`);
    expect(unmarked).toEqual([]);
    expect(runnable.length).toBeGreaterThanOrEqual(3);
  });

  it.each(runnable.map((b) => [`${b.file}:${b.line}`, b] as const))('%s runs', (_name, block) => {
    const folder = mkdtempSync(join(work, 'block-'));
    let result;
    if (block.language === 'sh' || block.language === 'bash' || block.language === 'shell') {
      const script = `set -euo pipefail\npnpm() { if [ "$1" = distill ]; then shift; node ${JSON.stringify(BIN)} "$@"; else command pnpm "$@"; fi; }\n${block.code}\n`;
      result = spawnSync('bash', ['-c', script], { cwd: folder, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' }, timeout: 300_000 });
    } else {
      const file = join(folder, 'block.ts');
      writeFileSync(file, block.code.replace(/\bepochs: \d+/g, 'epochs: 1'));
      result = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: folder, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' }, timeout: 300_000 });
    }
    expect(result.status, `${block.file}:${block.line}\n${result.stdout}\n${result.stderr}`).toBe(0);
  });
});
