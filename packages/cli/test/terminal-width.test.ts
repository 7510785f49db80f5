import { summarizeTrials, type TrialRecord } from '@distillery/runner';
import { describe, expect, it } from 'vitest';
import { failureLines, formatSweepTerminal } from '../src/report/sweep-terminal.js';
import { wrapToWidth } from '../src/wrap-text.js';

describe('wrapToWidth', () => {
  it('breaks at spaces into lines of at most the width, continuations indented, words whole', () => {
    const text = 'best student (seed 2, epoch 4, validation 91.50 %) saved in /tmp/a-rather-long/folder/best-student';
    const wrapped = wrapToWidth(text, 40).split('\n');
    expect(wrapped).toEqual(['best student (seed 2, epoch 4,', '  validation 91.50 %) saved in', '  /tmp/a-rather-long/folder/best-student']);
    expect(wrapped.join(' ').replace(/ {3}/g, ' ')).toBe(text);
  });

  it('keeps short lines, its own line breaks, a word longer than the width, and all text without a width', () => {
    expect(wrapToWidth('short\nlines', 40)).toBe('short\nlines');
    expect(wrapToWidth('a /a/path/longer/than/twenty/columns b', 20)).toBe('a\n  /a/path/longer/than/twenty/columns\n  b');
    const long = 'x '.repeat(100);
    expect(wrapToWidth(long, undefined)).toBe(long);
  });

  it('keeps an indented line\'s indent, its continuations two further in', () => {
    expect(wrapToWidth('  8 × E_CONFIG: worker vm/1 was not started with plugin', 30).split('\n')).toEqual([
      '  8 × E_CONFIG: worker vm/1',
      '    was not started with',
      '    plugin',
    ]);
  });
});

describe('why trials failed', () => {
  const failed = (id: string, reason: string): TrialRecord => ({ id, params: {}, seed: 1, finishedAt: '', status: 'failed', reason, error: { name: 'DistilleryError', code: 'E_CONFIG', message: reason } });

  it('says each reason once with its count, most frequent first, at most three, and nothing when none failed', () => {
    const records = [
      ...['a', 'b', 'c'].map((id) => failed(id, 'E_CONFIG: worker w was not started with plugin "./rings.mjs"')),
      failed('d', 'E_NAN: the loss went NaN\n    at step 4'),
      failed('e', 'E_X: third'),
      failed('f', 'E_Y: fourth'),
    ];
    expect(failureLines(records)).toEqual([
      "6 trial(s) failed (each one's error is in trials.jsonl; running the command again retries them):",
      '  3 × E_CONFIG: worker w was not started with plugin "./rings.mjs"',
      '  1 × E_NAN: the loss went NaN',
      '  1 × E_X: third',
      '  and 1 other reason(s)',
    ]);
    expect(failureLines([])).toEqual([]);
  });
});

describe('the sweep table on a narrow terminal', () => {
  const trial = (lambda: number, temperature: number, seed: number, accuracy: number): TrialRecord => {
    const epoch = { epoch: 0, losses: {}, validationAccuracy: accuracy, testAccuracy: accuracy - 0.01 };
    return { id: `${lambda}-${temperature}-${seed}`, params: { lambda, temperature }, seed, status: 'ok', best: epoch, last: epoch, epochs: [epoch], elapsedMs: 1, finishedAt: '' };
  };
  const summary = summarizeTrials([trial(0.5, 2, 1, 0.9), trial(0.5, 2, 2, 0.92), trial(1, 4, 1, 0.95), trial(1, 4, 2, 0.93)]);

  it('is boxed where it fits, and the same cells in columns without the box where it would not', () => {
    const [boxed, best] = formatSweepTerminal(summary, 'my.yaml', 120);
    const widest = Math.max(...boxed.split('\n').map((l) => [...l].length));
    expect(boxed).toMatch(/^┌/);
    expect(best).toContain('best on validation: lambda 1, temperature 4');
    const [plain] = formatSweepTerminal(summary, 'my.yaml', widest - 1);
    expect(plain.split('\n')).toEqual([
      'rank  lambda  temperature  validation acc. %  test acc. %   seeds  failed',
      '1     1       4            94.00 ± 1.41       93.00 ± 1.41  2      0',
      '2     0.5     2            91.00 ± 1.41       90.00 ± 1.41  2      0',
    ]);
    // Not on a terminal (no width): boxed, as before.
    expect(formatSweepTerminal(summary, 'my.yaml')[0]).toBe(boxed);
  });

  it('narrower than even the plain columns: one combination to a few lines, each within the width', () => {
    const [stacked] = formatSweepTerminal(summary, 'my.yaml', 50);
    expect(stacked.split('\n')).toEqual([
      '1  lambda 1 · temperature 4',
      '   validation 94.00 ± 1.41 % · test 93.00 ± 1.41 %',
      '   seeds 2 · failed 0',
      '2  lambda 0.5 · temperature 2',
      '   validation 91.00 ± 1.41 % · test 90.00 ± 1.41 %',
      '   seeds 2 · failed 0',
    ]);
  });

  it('stacked, ranks of two digits line up with those of one: every line of a combination starts where its first line does', () => {
    // `9  lambda …` then `10  lambda …`: the continuation lines were indented 3 under both.
    const many = summarizeTrials(Array.from({ length: 10 }, (_, i) => trial(i / 10, 2, 1, 0.9 - i / 100)));
    const lines = formatSweepTerminal(many, 'my.yaml', 40)[0].split('\n');
    expect(lines.slice(0, 2)).toEqual(['1   lambda 0 · temperature 2', '    validation 90.00 ± 0.00 %']);
    const tenth = lines.findIndex((l) => l.startsWith('10  '));
    expect(lines[tenth]).toBe('10  lambda 0.9 · temperature 2');
    for (const line of lines.filter((l) => !/^\d/.test(l))) expect(line).toMatch(/^ {4}\S/);
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(40);
  });
});

describe('the command that trains the best setting', () => {
  const epoch = { epoch: 0, losses: {}, validationAccuracy: 0.9, testAccuracy: 0.89 };
  const record = (params: Record<string, unknown>): TrialRecord => ({ id: 'a', params, seed: 1, status: 'ok', best: epoch, last: epoch, epochs: [epoch], elapsedMs: 1, finishedAt: '' });
  const trainIt = (params: Record<string, unknown>, config: string, runFlags: string[] = []) => formatSweepTerminal(summarizeTrials([record(params)]), config, undefined, runFlags)[1].split('\n').at(-1);

  it('takes grid keys by their long names as flags too, and sets only the others in the config', () => {
    // `distillation.lambda` and `student.train.epochs` were "set … in my.yaml": run has flags for them.
    expect(trainIt({ 'distillation.lambda': 0.5, 'distillation.temperature': 2, 'student.train.epochs': 6 }, 'my.yaml')).toBe('train it: distillery run my.yaml --lambda 0.5 --temperature 2 --student-epochs 6');
    expect(trainIt({ lambda: 1, 'student.options.hidden': [16] }, 'my.yaml')).toBe('train it: set student.options.hidden: [16] in my.yaml, then distillery run my.yaml --lambda 1');
  });

  it('says when the best ties with others on validation, before the command', () => {
    const tie = (lambda: number) => ({ ...record({ lambda }), id: String(lambda) });
    const lines = formatSweepTerminal(summarizeTrials([tie(0.5), tie(1), tie(2)]), 'my.yaml')[1].split('\n');
    expect(lines.slice(1)).toEqual([
      'tied on validation with 2 other combinations (ranked 2–3): the first of them in the grid is taken; a larger validation split (data.validationCount) would tell them apart',
      'train it: distillery run my.yaml --lambda 0.5',
    ]);
  });

  it("puts the sweep's own flags first, and quotes a path a shell would split", () => {
    expect(trainIt({ lambda: 1 }, '/tmp/my configs/a.yaml', ['--seed', '3'])).toBe("train it: distillery run '/tmp/my configs/a.yaml' --seed 3 --lambda 1");
  });
});
