import { evaluateModel, type Model } from '@distillery/core';
import { obtainTeacher, splitRun } from '@distillery/runner';
import { join } from 'node:path';
import type { ProgressView } from '../progress/progress-view.js';
import type { Pipeline } from './build-pipeline.js';

/**
 * The teacher of `label` and `sweep`, through the runner's one teacher path: loaded when the
 * config names a saved/ONNX/ensemble/plugin teacher; trained on every label outside validation
 * and saved to <out>/teacher at once — or reloaded from there when an earlier (interrupted) run
 * of the same command trained it, so a resumed sweep keeps its teacher and its cached logits.
 */
export async function commandTeacher(pipeline: Pipeline, directory: string, progress: ProgressView, signal: AbortSignal): Promise<{ model: Model; accuracy: number }> {
  const { distillOptions, registry } = pipeline.run;
  const split = splitRun(distillOptions.train, pipeline.spec.data, pipeline.spec.seed);
  const obtained = await obtainTeacher({
    source: distillOptions.teacher,
    trainOn: split.transfer,
    shape: distillOptions.train,
    seed: pipeline.spec.seed,
    registry,
    folder: join(directory, 'teacher'),
    ...(split.scaling === undefined ? {} : { scaling: split.scaling }),
    onEpoch: (record) => progress.epoch('teacher', record, record.epochs),
    signal,
  });
  if (obtained.origin === 'reused') progress.note(`[teacher] reusing the teacher this folder's earlier run trained (${join(directory, 'teacher')})`);
  return { model: obtained.model, accuracy: (await evaluateModel(obtained.model, pipeline.run.test)).accuracy };
}
