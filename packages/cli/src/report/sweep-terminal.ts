import { rankCombinations, type CombinationSummary, type MeanStd, type SweepSummary, type TrialRecord } from '@distillery/runner';
import Table from 'cli-table3';
import { pathForCommand } from '../command-line.js';

/** Grid keys that `distillery run` takes as flags: the best setting of these is one command away. */
const RUN_FLAGS: Readonly<Record<string, string>> = {
  lambda: '--lambda',
  'distillation.lambda': '--lambda',
  temperature: '--temperature',
  'distillation.temperature': '--temperature',
  'student.train.epochs': '--student-epochs',
};

const pct = (m: MeanStd | undefined) => (m === undefined || Number.isNaN(m.mean) ? '—' : `${(100 * m.mean).toFixed(2)} ± ${(100 * m.std).toFixed(2)}`);
const value = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/**
 * The end of `distillery sweep` on a terminal: the combinations ranked by validation accuracy
 * in a table, the best setting, and the command that trains it (results.md keeps the markdown).
 * Where the boxed table is wider than the terminal (`width`), its columns are printed without
 * the box, which a terminal would otherwise wrap mid-row; where even those are, one combination
 * to a few lines. Returns the table and the lines after it.
 */
export function formatSweepTerminal(summary: SweepSummary, configPath: string, width?: number, runFlags: readonly string[] = []): [table: string, best: string] {
  const keys = [...new Set(summary.combinations.flatMap((c) => Object.keys(c.params)))];
  // Ranked on what the sweep selects on (data.selectOn; ECE lower is better), accuracy by default.
  const on = summary.selectOn ?? 'accuracy';
  const ranked = rankCombinations(summary.combinations, on);
  const extra = on === 'accuracy' ? [] : [`validation ${on} %`, `test ${on} %`];
  const head = ['rank', ...keys, 'validation acc. %', 'test acc. %', ...extra, 'seeds', 'failed'];
  const rows = ranked.map((c, i) => {
    const metric = extra.length === 0 ? [] : [pct(c.validationMetric), pct(c.testMetric)];
    return [String(i + 1), ...keys.map((k) => (c.params[k] === undefined ? '—' : value(c.params[k]))), pct(c.validationAccuracy), pct(c.bestEpochAccuracy), ...metric, String(c.seeds), String(c.failed)];
  });
  const table = new Table({ head, style: { head: [], border: [] }, chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' } });
  table.push(...rows);
  const boxed = table.toString();
  const fits = (text: string) => width === undefined || text.split('\n').every((line) => [...line].length <= width);
  const best = bestLines(summary.best, configPath, on, runFlags, summary.tiedWithBest ?? 0).join('\n');
  if (fits(boxed)) return [boxed, best];
  const plain = plainColumns([head, ...rows]);
  return [fits(plain) ? plain : stacked(head, rows, keys.length, width!), best];
}

/**
 * Too many columns for the terminal even without the box (a grid of many keys): each
 * combination on its own lines — `1  lambda 0.5 · temperature 2 · …`, then its numbers,
 * indented — filled with whole `name value` pairs up to `width`, never broken mid-pair or mid-row.
 */
function stacked(head: readonly string[], rows: readonly (readonly string[])[], keyCount: number, width: number): string {
  // `lead` starts the first line (the rank, or an indent); each further line is indented as far,
  // ranks padded to the widest (`9 ` and `10`), so that every combination's text lines up.
  const rankWidth = Math.max(...rows.map((r) => [...r[0]!].length));
  const indent = ' '.repeat(rankWidth + 2);
  const pack = (lead: string, pairs: readonly string[]) => {
    const lines: string[] = [];
    let line = '';
    for (const pair of pairs) {
      const joined = line === '' ? `${lines.length === 0 ? lead : indent}${pair}` : `${line} · ${pair}`;
      if (line !== '' && [...joined].length > width) {
        lines.push(line);
        line = `${indent}${pair}`;
      } else line = joined;
    }
    return [...lines, line];
  };
  return rows
    .flatMap((r) => {
      const pairs = (from: number, to: number) =>
        head.slice(from, to).map((h, j) => {
          const cell = r[from + j]!;
          // `validation 94.00 ± 1.41 %`: shorter than the column's heading, so a row's numbers fit one line.
          const short = STACKED_NAMES[h];
          return short === undefined ? `${h} ${cell}` : `${short} ${cell}${cell === '—' ? '' : ' %'}`;
        });
      return [...pack(`${r[0]!.padEnd(rankWidth)}  `, pairs(1, 1 + keyCount)), ...pack(indent, pairs(1 + keyCount, head.length))];
    })
    .join('\n');
}

const STACKED_NAMES: Readonly<Record<string, string>> = { 'validation acc. %': 'validation', 'test acc. %': 'test' };

/** Rows as left-aligned columns two spaces apart, no box: the narrowest table that stays readable. */
function plainColumns(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => [...r[j]!].length)));
  return rows.map((r) => r.map((cell, j) => cell + ' '.repeat(widths[j]! - [...cell].length)).join('  ').trimEnd()).join('\n');
}

/** `runFlags`: flags the sweep ran with that the run must repeat to train what it chose on (`--seed 7`, `--teacher …`). */
function bestLines(best: CombinationSummary | undefined, configPath: string, on: string, runFlags: readonly string[], tied: number): string[] {
  if (best === undefined) return ['no trial has validation numbers to choose from (the test set is never used to choose)'];
  const setting = Object.entries(best.params).map(([k, v]) => `${k} ${value(v)}`).join(', ');
  const lines = [
    on === 'accuracy'
      ? `best on validation: ${setting} — validation ${pct(best.validationAccuracy)} %, test ${pct(best.bestEpochAccuracy)} % (reported only)`
      : `best on validation ${on}: ${setting} — validation ${on} ${pct(best.validationMetric)} %, test ${on} ${pct(best.testMetric)} % (reported only), test acc. ${pct(best.bestEpochAccuracy)} %`,
  ];
  if (tied > 0) lines.push(tiedText(tied));
  const config = pathForCommand(configPath);
  const flags = Object.entries(best.params).filter(([k]) => RUN_FLAGS[k] !== undefined);
  const inConfig = Object.entries(best.params).filter(([k]) => RUN_FLAGS[k] === undefined);
  const command = ['distillery run', config, ...runFlags, ...flags.map(([k, v]) => `${RUN_FLAGS[k]} ${value(v)}`)].join(' ');
  if (inConfig.length === 0) lines.push(`train it: ${command}`);
  else lines.push(`train it: set ${inConfig.map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')} in ${config}, then ${command}`);
  return lines;
}

/** What a tie on validation means for the choice: the terminal's line and the report's sentence. */
export const tiedText = (tied: number) =>
  `tied on validation with ${tied} other combination${tied === 1 ? '' : 's'} (ranked ${tied === 1 ? '2' : `2–${tied + 1}`}): the first of them in the grid is taken; a larger validation split (data.validationCount) would tell them apart`;

/** Reasons shown at most; the rest are counted (every trial's error is in trials.jsonl). */
const FAILURE_REASONS_SHOWN = 3;

/**
 * Why trials failed, each distinct reason once with how many trials it ended — the table only
 * counts them, and a sweep whose trials all failed the same way (a worker started without the
 * config's plugin) should say how, not just that nothing could be chosen.
 */
export function failureLines(records: readonly TrialRecord[]): string[] {
  const byReason = new Map<string, number>();
  for (const r of records) {
    if (r.status !== 'failed') continue;
    const reason = (r.reason ?? `${r.error.code}: ${r.error.message}`).split('\n')[0]!;
    byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
  }
  if (byReason.size === 0) return [];
  const total = [...byReason.values()].reduce((a, b) => a + b, 0);
  const reasons = [...byReason].sort((a, b) => b[1] - a[1]);
  const lines = [`${total} trial(s) failed (each one's error is in trials.jsonl; running the command again retries them):`];
  for (const [reason, count] of reasons.slice(0, FAILURE_REASONS_SHOWN)) lines.push(`  ${count} × ${reason}`);
  if (reasons.length > FAILURE_REASONS_SHOWN) lines.push(`  and ${reasons.length - FAILURE_REASONS_SHOWN} other reason(s)`);
  return lines;
}
