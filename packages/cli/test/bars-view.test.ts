/**
 * The live bars as a person sees them: what the view writes to a terminal stream is replayed in a
 * terminal emulator (xterm.js, headless) and the screen it leaves is read line by line.
 */
import type { EpochRecord } from '@distillery/core';
import xterm from '@xterm/headless';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createBarsView } from '../src/progress/bars-view.js';

const COLS = 100;

/** A stream that says it is a terminal of `cols` columns and keeps what is written to it. */
function terminalStream(cols = COLS): { stream: NodeJS.WritableStream; written: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  Object.assign(stream, { isTTY: true, columns: cols, rows: 30 });
  return { stream, written: () => text };
}

function screenAfter(written: string, cols = COLS): Promise<string[]> {
  const terminal = new xterm.Terminal({ cols, rows: 30, scrollback: 1000, allowProposedApi: true });
  return new Promise((resolve) =>
    terminal.write(written.replace(/\n/g, '\r\n'), () => {
      const buffer = terminal.buffer.active;
      resolve(Array.from({ length: buffer.length }, (_, i) => buffer.getLine(i)!.translateToString(true)).filter((line) => line !== ''));
      terminal.dispose();
    }),
  );
}

const record = (epoch: number, ce: number): EpochRecord => ({ epoch, losses: { ce }, total: ce, elapsedMs: 10 });
/** Longer than cli-progress's redraw interval (100 ms): what was set before it has been drawn. */
const redraw = () => sleep(250);

describe('the live bars on a terminal', () => {
  it('keeps a finished bar on screen when a note is written above the bars, and leaves no stale row', async () => {
    const { stream, written } = terminalStream();
    const view = createBarsView(stream);
    view.note('[teacher] started');
    for (let epoch = 0; epoch < 3; epoch++) {
      view.epoch('teacher', record(epoch, 1 / (epoch + 1)), 3);
      await redraw();
    }
    // The teacher's last row is drawn; the notes that follow move the bars down a line each.
    view.note('[student-alone] started');
    view.epoch('student-alone', record(0, 0.5), 2);
    await redraw();
    view.epoch('student-alone', record(1, 0.25), 2);
    await redraw();
    view.note('[student-kd] started');
    view.epoch('student-kd', record(0, 0.75), 2);
    await redraw();
    view.epoch('student-kd', record(1, 0.125), 2);
    await redraw();
    view.stop();
    const screen = await screenAfter(written());
    // Before forceRedraw the teacher's unchanged row was skipped after each note: its line stayed
    // blank, and the first student-alone row (1/2) stayed on screen beside the last (2/2).
    expect(screen, screen.join('\n')).toEqual([
      '[teacher] started',
      '[student-alone] started',
      '[student-kd] started',
      ' teacher        |██████████████████████████████| 3/3 ce 0.3333',
      ' student-alone  |██████████████████████████████| 2/2 ce 0.2500',
      ' student-kd     |██████████████████████████████| 2/2 ce 0.1250',
    ]);
  });

  it('wraps a note wider than the terminal at spaces, every line of it whole and over no bar residue', async () => {
    const { stream, written } = terminalStream();
    const view = createBarsView(stream);
    view.epoch('teacher', record(0, 1), 2);
    await redraw();
    view.epoch('teacher', record(1, 0.5), 2);
    view.epoch('student-alone', record(0, 0.75), 2);
    await redraw();
    // 109 characters: two lines at 100 columns, the second (42) written over the student's row (65),
    // which is longer. The bars are live while it is written (line wrap off).
    const note = `[cache] ${'x'.repeat(60)} ${'y'.repeat(35)} tail`;
    view.note(note);
    view.epoch('student-alone', record(1, 0.25), 2);
    await redraw();
    view.stop();
    const screen = await screenAfter(written());
    expect(screen, screen.join('\n')).toEqual([
      `[cache] ${'x'.repeat(60)}`,
      `  ${'y'.repeat(35)} tail`,
      ' teacher        |██████████████████████████████| 2/2 ce 0.5000',
      ' student-alone  |██████████████████████████████| 2/2 ce 0.2500',
    ]);
  });

  it('a sweep row on an 80-column terminal keeps its trial and validation accuracy whole (narrower bar, no loss terms)', async () => {
    const rowsAt = async (cols: number) => {
      const { stream, written } = terminalStream(cols);
      const view = createBarsView(stream);
      const last = { epoch: 4, losses: { ce: 0.0123, kd: 0.4567 }, validationAccuracy: 0.9125, testAccuracy: 0.9 };
      view.sweep({ type: 'trial:epoch', id: 'a', threadId: 7, epoch: 5, epochs: 12, params: { lambda: 0.5, temperature: 2 }, seed: 3, last });
      await redraw();
      view.stop();
      return (await screenAfter(written(), cols)).filter((line) => line.includes('worker 1'));
    };
    // Before: the 30-wide bar and every term made a 106-character row, cut at the edge inside "ce 0.".
    expect(await rowsAt(80)).toEqual(['   worker 1     |████████░░░░░░░░░░░░| 5/12 λ=0.5 T=2 seed 3 · val 91.3%']);
    expect(await rowsAt(120)).toEqual(['   worker 1     |█████████████░░░░░░░░░░░░░░░░░| 5/12 λ=0.5 T=2 seed 3 · ce 0.0123 · kd 0.4567 · val 91.3%']);
  });

  it('two rows of many grid keys on 80 columns keep the values that tell them apart (both read "λ=0.5 T=2 … seed 1")', async () => {
    const { stream, written } = terminalStream(80);
    const view = createBarsView(stream);
    const last = { epoch: 0, losses: { ce: 0.5 }, validationAccuracy: 1, testAccuracy: 1 };
    const grid = (learningRate: number, hidden: number[]) => ({ 'distillation.lambda': 0.5, 'distillation.temperature': 2, 'student.train.learningRate': learningRate, 'student.options.hidden': hidden });
    view.sweep({ type: 'trial:epoch', id: 'a', threadId: 7, epoch: 1, epochs: 60, params: grid(0.01, [16, 8]), seed: 1, last });
    view.sweep({ type: 'trial:epoch', id: 'b', threadId: 8, epoch: 1, epochs: 60, params: grid(0.003, [16, 8]), seed: 1, last });
    view.sweep({ type: 'trial:epoch', id: 'a', threadId: 7, epoch: 2, epochs: 60, params: grid(0.01, [16, 8]), seed: 1, last });
    await redraw();
    view.stop();
    const rows = (await screenAfter(written(), 80)).filter((line) => /worker \d/.test(line));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/ 2\/60 .*lr=0\.01 .*… seed 1 · val 100\.0%$/);
    expect(rows[1]).toMatch(/ 1\/60 .*lr=0\.003 .*… seed 1 · val 100\.0%$/);
    // The last column stays free: tmux drew a row that filled it without its last character.
    for (const row of rows) expect([...row].length).toBeLessThanOrEqual(79);
  });

  it('a trial of many grid keys: run-spec paths by their last part, and on 80 columns values give way (…) before the seed and validation accuracy', async () => {
    const rowsAt = async (cols: number) => {
      const { stream, written } = terminalStream(cols);
      const view = createBarsView(stream);
      const last = { epoch: 4, losses: { ce: 0.0123, kd: 0.4567 }, validationAccuracy: 0.9125, testAccuracy: 0.9 };
      const params = { 'distillation.lambda': 0.5, 'distillation.temperature': 2, 'student.train.learningRate': 0.001, 'student.options.hidden': [64, 32], 'teacher.train.learningRate': 0.01 };
      view.sweep({ type: 'trial:epoch', id: 'a', threadId: 7, epoch: 5, epochs: 12, params, seed: 3, last });
      await redraw();
      view.stop();
      return (await screenAfter(written(), cols)).filter((line) => line.includes('worker 1'));
    };
    // The row was cut at the terminal's edge: its seed and validation accuracy were lost.
    const [narrow] = await rowsAt(80);
    expect([...narrow!].length).toBeLessThanOrEqual(80);
    expect(narrow).toMatch(/ 5\/12 λ=0\.5 T=2 .*… seed 3 · val 91\.3%$/);
    // Two learning rates keep their paths (the same last part); hidden is unique.
    expect(await rowsAt(200)).toEqual([
      '   worker 1     |█████████████░░░░░░░░░░░░░░░░░| 5/12 λ=0.5 T=2 student.train.learningRate=0.001 hidden=[64,32] teacher.train.learningRate=0.01 seed 3 · ce 0.0123 · kd 0.4567 · val 91.3%',
    ]);
  });
});
