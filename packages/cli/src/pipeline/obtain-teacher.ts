import { DistillationTrainer, evaluateModel, loadModel, splitIndices, type Model } from '@distillery/core';
import { supervisedObjective } from '@distillery/losses';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProgressView } from '../progress/progress-view.js';
import { trainingSettings, type Pipeline } from './build-pipeline.js';

/**
 * The teacher of `label` and `sweep`: loaded when the config names a saved one, or when this
 * output folder already holds the teacher an earlier (interrupted) run trained — so a resumed
 * sweep keeps its teacher, and its cached logits. Otherwise trained (on every training label
 * outside the validation split, as `run` does) and saved to <out>/teacher.
 */
export async function obtainTeacher(pipeline: Pipeline, directory: string, progress: ProgressView, signal?: AbortSignal): Promise<{ model: Model; source: 'config' | 'folder' | 'trained'; accuracy: number }> {
  const teacherDir = join(directory, 'teacher');
  const finish = async (model: Model, source: 'config' | 'folder' | 'trained') => ({ model, source, accuracy: (await evaluateModel(model, pipeline.test)).accuracy });
  if ('directory' in pipeline.teacher) return finish(await loadModel(pipeline.teacher.directory), 'config');
  if ('model' in pipeline.teacher) return finish(pipeline.teacher.model, 'config');
  if (await access(join(teacherDir, 'model.json')).then(() => true, () => false)) {
    progress.note(`[teacher] reusing the teacher saved in ${teacherDir}`);
    return finish(await loadModel(teacherDir), 'folder');
  }
  const { config } = pipeline;
  const parts = splitIndices(pipeline.train, {
    seed: config.seed,
    ...(config.data.labelledFraction === undefined ? {} : { labelledFraction: config.data.labelledFraction }),
    ...(config.data.labelledCount === undefined ? {} : { labelledCount: config.data.labelledCount }),
    validationCount: config.data.validationCount,
  });
  const model = pipeline.teacher.create(config.seed);
  const trainer = new DistillationTrainer();
  trainer.events.on('epoch:end', (record) => progress.epoch('teacher', record, record.epochs));
  progress.note('[teacher] training');
  await trainer.train({
    model,
    objective: supervisedObjective(),
    data: { labelled: pipeline.train.subset(parts.transfer, `${pipeline.train.name}/teacher`) },
    options: { ...trainingSettings(config.teacher.train!), seed: config.seed, ...(signal === undefined ? {} : { signal }) },
  });
  await model.save(teacherDir);
  return finish(model, 'trained');
}
