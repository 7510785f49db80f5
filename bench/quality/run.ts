/**
 * bench/quality — the low-data distillation table: on Fashion-MNIST (60k/10k) and the embedded
 * MNIST digits, for 1%, 10% and 100% of the labels, a student alone vs distilled with `kd` and
 * `dkd`, λ / T chosen by a sweep on a validation split (never the test set), then 3 seeds.
 *
 *   apt-get install -y dataset-fashion-mnist     # once
 *   pnpm bench:quality                           # full: CNN teacher (20 epochs), both datasets; 37.2 min on a slow 2-vCPU machine (the teacher ~20 of them); resumable
 *   SCALE=tiny DATASETS=mnist pnpm bench:quality # seconds: what CI runs
 *   TEACHER=mlp TEACHER_EPOCHS=30 TEACHER_SCHEDULE=cosine pnpm bench:quality   # the MLP teacher instead
 *   STUDENTS=mlp,cnn FRACTIONS=0.01 …            # the small CNN student too; some fractions only
 *   STUDENT_EPOCHS=30 STUDENT_SCHEDULE=cosine …  # the students' epochs and learning-rate schedule
 *
 * Everything lands in runs/quality/<dataset>/ (OUT=… to change): the teacher, the logit cache,
 * one resumable sweep folder per fraction × method × stage, quality.md, quality.json and a plot.
 */
import { evaluateModel, setupBackend, type Dataset, type LearningRateSchedule, type Model, type TeacherLogits } from '@distillery/core';
import { embeddedMnistSplit, FASHION_MNIST_DIR, loadMnistFamily } from '@distillery/datasets';
import { RunnerPool, createBuiltinRegistry, describeTrialOutcome, generateSoftLabels, obtainTeacher as runnerObtainTeacher, setPath, splitRun, sweep, type TrialRecord } from '@distillery/runner';
import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { baseSpec, methods, SCALES, studentName, studentRecipe, teacherRecipe, type Method, type QualityScale, type StudentKind, type TeacherRecipe } from './quality-plan.js';
import { writeQualityReport, type QualityRow } from './quality-report.js';

const scaleBase = SCALES[(process.env['SCALE'] ?? 'full') as 'full' | 'tiny'];
if (scaleBase === undefined) throw new Error(`SCALE must be full or tiny, got ${process.env['SCALE']}`);
/** A learning-rate schedule from the environment, checked; undefined when unset. */
function envSchedule(name: string): LearningRateSchedule | undefined {
  const value = process.env[name];
  if (value !== undefined && value !== 'constant' && value !== 'cosine') throw new Error(`${name} must be constant or cosine, got ${value}`);
  return value;
}
/** A number of epochs from the environment, checked; undefined when unset. */
function envEpochs(name: string): number | undefined {
  const value = process.env[name];
  if (value === undefined) return undefined;
  const epochs = Number(value);
  if (!(Number.isInteger(epochs) && epochs > 0)) throw new Error(`${name} must be a whole number ≥ 1, got ${value}`);
  return epochs;
}
const studentSchedule = envSchedule('STUDENT_SCHEDULE');
const studentEpochs = envEpochs('STUDENT_EPOCHS');
const scale: QualityScale = { ...scaleBase, ...(studentEpochs === undefined ? {} : { studentEpochs }), ...(studentSchedule === undefined ? {} : { studentSchedule }) };
const datasets = (process.env['DATASETS'] ?? 'fashion,mnist').split(',');
const teacherKind = process.env['TEACHER'] ?? 'cnn';
if (teacherKind !== 'cnn' && teacherKind !== 'mlp') throw new Error(`TEACHER must be cnn or mlp, got ${teacherKind}`);
const teacherSchedule = envSchedule('TEACHER_SCHEDULE');
const teacherEpochs = envEpochs('TEACHER_EPOCHS');
const recipe = teacherRecipe(scale, teacherKind, {
  ...(teacherEpochs === undefined ? {} : { epochs: teacherEpochs }),
  ...(teacherSchedule === undefined ? {} : { schedule: teacherSchedule }),
});
const students = (process.env['STUDENTS'] ?? 'mlp').split(',') as StudentKind[];
for (const s of students) if (s !== 'mlp' && s !== 'cnn') throw new Error(`STUDENTS: each must be mlp or cnn, got ${s}`);
const fractions = process.env['FRACTIONS'] === undefined ? scale.fractions : process.env['FRACTIONS'].split(',').map(Number);
const workers = Number(process.env['WORKERS'] ?? availableParallelism());
const outRoot = resolve(process.env['OUT'] ?? join('runs', `${scale.name === 'full' ? 'quality' : 'quality-tiny'}-${teacherKind}`));
const log = (line: string) => process.stderr.write(`${line}\n`);

const started = performance.now();
const backend = await setupBackend();
const pool = new RunnerPool({ workers, backend: backend.name });
const engine = `${backend.name}${backend.native.active ? ` + native kernels (${backend.native.blas})` : ''}`;
try {
  for (const name of datasets) {
    const dataStarted = performance.now();
    const { train, test } = await loadData(name, scale);
    const dataOut = join(outRoot, name);
    await mkdir(dataOut, { recursive: true });
    log(`\n=== ${name}: ${train.size} train / ${test.size} test, scale ${scale.name}, ${workers} workers, backend ${engine}`);
    const teacher = await obtainTeacher(train, dataOut, scale, recipe, scale.validationCount[name]!);
    const teacherAccuracy = (await evaluateModel(teacher, test)).accuracy;
    log(`teacher ${teacher.name} (${teacher.countParams().toLocaleString('en-US')} params): test accuracy ${(100 * teacherAccuracy).toFixed(2)}%`);
    const soft = await generateSoftLabels({ teacher, dataset: train, pool, cache: join(dataOut, 'logit-cache') });
    log(`soft labels: cache ${soft.cache}, ${soft.teacherPasses} teacher pass(es), ${(soft.elapsedMs / 1000).toFixed(1)}s`);
    teacher.dispose();

    for (const student of students) {
      const out = students.length === 1 && student === 'mlp' ? dataOut : join(dataOut, `student-${student}`);
      const studentStarted = performance.now();
      const table: TableContext = { name, train, test, logits: soft.logits, out, student };
      const rows: QualityRow[] = [];
      for (const fraction of fractions) for (const method of methods(scale)) rows.push(await qualityRow(table, fraction, method));
      // The first student's table counts the teacher and the soft labels too.
      const minutes = (performance.now() - (student === students[0] ? dataStarted : studentStarted)) / 60_000;
      const files = await writeQualityReport(out, { dataset: name, scale: scale.name, teacherAccuracy, teacherName: recipe.name, studentName: studentName(scale, student), studentRecipe: studentRecipe(scale), rows, minutes, workers, backend: engine });
      log(`${name}, ${studentName(scale, student)} student, done in ${minutes.toFixed(1)} min: ${files.join(', ')}`);
    }
  }
} finally {
  await pool.destroy();
}
log(`\nquality benchmark: ${((performance.now() - started) / 60_000).toFixed(1)} min in all on ${availableParallelism()} cores`);

interface TableContext {
  readonly name: string;
  readonly train: Dataset;
  readonly test: Dataset;
  readonly logits: TeacherLogits;
  readonly out: string;
  readonly student: StudentKind;
}

/** One row of a table: the method's λ / T (and own options) chosen on validation with one seed, then the other seeds. */
async function qualityRow(c: TableContext, fraction: number, method: Method): Promise<QualityRow> {
  const base = Object.entries(method.base).reduce((spec, [path, value]) => setPath(spec, path, value), baseSpec(scale, c.name, fraction, c.student));
  const folder = join(c.out, `labels-${fraction}`, method.name.replace(/\s+/g, '-'));
  const onProgress = (e: Parameters<NonNullable<Parameters<typeof sweep>[0]['onProgress']>>[0]) => {
    if (e.type === 'trial:end') log(`  [${c.name} ${fraction} ${method.name}] ${e.finished}/${e.total} ${JSON.stringify(e.record.params)} seed ${e.record.seed}: ${e.record.status === 'ok' ? `val ${pct(e.record.best.validationAccuracy)} test ${pct(e.record.best.testAccuracy)}` : describeTrialOutcome(e.record)}`);
  };
  const common = { train: c.train, test: c.test, teacher: { logits: c.logits }, pool, onProgress } as const;
  // 1. Choose λ / T (and the method's own options) on validation accuracy, one seed.
  const selection = await sweep({ ...common, directory: join(folder, 'select'), base, grid: method.grid, seeds: scale.seeds.slice(0, 1) });
  const chosen = selection.summary.best!.params;
  // 2. The chosen setting on the other seeds; the first seed's trial is reused.
  const grid = Object.fromEntries(Object.entries(chosen).map(([k, v]) => [k, [v]]));
  const final = await sweep({ ...common, directory: join(folder, 'final'), base, grid, seeds: scale.seeds.slice(1) });
  const firstSeed = selection.records.filter((r) => JSON.stringify(r.params) === JSON.stringify(chosen));
  const records = [...firstSeed, ...final.records].filter((r): r is Extract<TrialRecord, { status: 'ok' }> => r.status === 'ok');
  const labelled = Math.max(1, Math.round(fraction * (c.train.size - scale.validationCount[c.name]!)));
  return { fraction, method: method.name, chosen, testAccuracies: records.map((r) => r.best.testAccuracy), labelled };
}

function pct(x: number | undefined): string {
  return x === undefined ? '—' : `${(100 * x).toFixed(2)}%`;
}

async function loadData(name: string, s: QualityScale): Promise<{ train: Dataset; test: Dataset }> {
  const data =
    name === 'fashion'
      ? { train: await loadMnistFamily(FASHION_MNIST_DIR, 'train', 'fashion-mnist'), test: await loadMnistFamily(FASHION_MNIST_DIR, 'test', 'fashion-mnist') }
      : name === 'mnist'
        ? embeddedMnistSplit()
        : undefined;
  if (data === undefined) throw new Error(`DATASETS: unknown dataset ${name} (fashion, mnist)`);
  if (s.limit === undefined) return data;
  const first = (d: Dataset, n: number) => d.subset(Array.from({ length: Math.min(n, d.size) }, (_, i) => i), `${d.name}[0:${n}]`);
  return { train: first(data.train, s.limit.train), test: first(data.test, s.limit.test) };
}

/** The bench's teacher through the runner's one teacher path: trained on every label outside validation, saved, reused. */
async function obtainTeacher(train: Dataset, out: string, s: QualityScale, teacher: TeacherRecipe, validationCount: number): Promise<Model> {
  const split = splitRun(train, { labelledFraction: 1, validationCount }, s.seeds[0]!);
  const shape = { inputShape: train.inputShape, numClasses: train.numClasses };
  const { model } = await runnerObtainTeacher({
    source: { create: (seed) => teacher.create(shape, seed), train: teacher.train },
    ...(teacher.augmentation === undefined ? {} : { augmentation: teacher.augmentation }),
    trainOn: split.transfer,
    shape,
    seed: 1,
    registry: createBuiltinRegistry(),
    folder: join(out, 'teacher'),
    onEpoch: (e) => log(`  [teacher] epoch ${e.epoch + 1}/${e.epochs} ce ${e.losses['ce']!.toFixed(4)} (${(e.elapsedMs / 1000).toFixed(0)}s)`),
  });
  return model;
}
