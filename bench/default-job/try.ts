import { setupBackend } from '@distillery/core';
import { embeddedMnistSplit } from '@distillery/datasets';
import { createMlp } from '@distillery/students';
import { createTeacherMlp } from '@distillery/teachers';
import { distill } from '@distillery/runner';
const info = await setupBackend();
console.log(info);
const { train, test } = embeddedMnistSplit();
const t0 = performance.now();
const r = await distill({
  train, test, seed: Number(process.env.SEED ?? 1), lambda: Number(process.env.LAMBDA ?? 1), temperature: Number(process.env.T ?? 4),
  labelledFraction: Number(process.env.FRAC ?? 0.02),
  teacher: { create: (seed) => createTeacherMlp({ inputShape: [28,28,1], numClasses: 10, seed, hidden: [512, 512] }), train: { epochs: Number(process.env.TE ?? 10), batchSize: 128, learningRate: 1e-3 } },
  student: { create: (seed) => createMlp({ inputShape: [28,28,1], numClasses: 10, seed, hidden: [Number(process.env.SW ?? 32)] }), train: { epochs: Number(process.env.SE ?? 10), batchSize: 64, learningRate: 1e-3 } },
  onProgress: (e) => { if (e.type === 'phase:end') console.log(e.phase, Math.round(e.elapsedMs), 'ms'); if (e.type==='epoch:end' && e.record.epoch % 5 === 4) console.log(' ', e.phase, e.record.epoch, JSON.stringify(e.record.losses)); },
});
console.log(JSON.stringify({ teacher: r.report.teacher.accuracy, alone: r.report.studentAlone.accuracy, kd: r.report.studentKd.accuracy }), Math.round(performance.now() - t0), 'ms');
