import { DistilleryError, loadModel, shapeMismatch, type ExpectedShape, type Model } from '@distillery/core';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ONNX_MODEL_FILE, loadOnnxTeacher } from '@distillery/onnx';
import { join } from 'node:path';
import { ENSEMBLE_JSON, EnsembleTeacher, type EnsembleManifest } from './ensemble-teacher.js';

/** What a teacher must fit: a dataset, or just its example shape and class count. */
export type TeacherShape = ExpectedShape;

/**
 * Loads a saved teacher — a model folder (model.json + weights), an ONNX teacher's folder
 * (model.onnx) or a .onnx file, or an ensemble folder (ensemble.json + one such folder per
 * member) — and checks it fits the data it will label.
 * Missing folders and files are named in the error.
 */
export async function loadTeacher(directory: string, expected?: TeacherShape): Promise<Model> {
  if (statSync(directory, { throwIfNoEntry: false })?.isFile() === true && !directory.endsWith('.onnx')) {
    throw new DistilleryError(
      'E_MODEL_IO',
      `${directory} is a file, not a saved model: that is a folder (model.json and its weights, an ONNX teacher's model.onnx, or an ensemble's ensemble.json) or a .onnx file`,
    );
  }
  const manifest = await readEnsembleManifest(directory);
  const onnx = manifest === undefined && (directory.endsWith('.onnx') || existsSync(join(directory, ONNX_MODEL_FILE)));
  const teacher = manifest !== undefined ? await loadEnsemble(directory, manifest) : onnx ? await loadOnnxTeacher(directory, expected) : await loadModel(directory);
  const mismatch = expected === undefined ? undefined : shapeMismatch(teacher, expected);
  if (mismatch !== undefined) {
    teacher.dispose();
    throw new DistilleryError('E_SHAPE', `teacher loaded from ${directory} (${teacher.name}) ${mismatch}`);
  }
  return teacher;
}

async function readEnsembleManifest(directory: string): Promise<EnsembleManifest | undefined> {
  const path = join(directory, ENSEMBLE_JSON);
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  let manifest: Partial<EnsembleManifest>;
  try {
    manifest = JSON.parse(text) as Partial<EnsembleManifest>;
  } catch (error) {
    throw new DistilleryError('E_MODEL_IO', `${path} is not valid JSON (${(error as Error).message})`);
  }
  if (manifest.format !== 'distillery-ensemble' || !Array.isArray(manifest.members)) {
    throw new DistilleryError('E_MODEL_IO', `${path} is not a Distillery ensemble manifest (format "distillery-ensemble" with members)`);
  }
  return manifest as EnsembleManifest;
}

async function loadEnsemble(directory: string, manifest: EnsembleManifest): Promise<Model> {
  const members: Model[] = [];
  try {
    for (const folder of manifest.members) members.push(await loadTeacher(join(directory, folder)));
    return new EnsembleTeacher({ members, combine: manifest.combine, weights: manifest.weights, name: manifest.name });
  } catch (error) {
    for (const member of members) member.dispose();
    throw error;
  }
}
