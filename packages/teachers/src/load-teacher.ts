import { DistilleryError, loadModel, readModelJson, shapeMismatch, type ExpectedShape, type Model } from '@distillery/core';
import { existsSync, statSync } from 'node:fs';
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
  const isFile = statSync(directory, { throwIfNoEntry: false })?.isFile() === true;
  const onnxFile = directory.endsWith('.onnx');
  if (isFile && !onnxFile) {
    throw new DistilleryError(
      'E_MODEL_IO',
      `${directory} is a file, not a saved model: that is a folder (model.json and its weights, an ONNX teacher's model.onnx, or an ensemble's ensemble.json) or a .onnx file`,
    );
  }
  const manifest = isFile ? undefined : await readEnsembleManifest(directory);
  const onnx = onnxFile || existsSync(join(directory, ONNX_MODEL_FILE));
  const teacher = manifest !== undefined ? await loadEnsemble(directory, manifest) : onnx ? await loadOnnxTeacher(directory, expected) : await loadModel(directory);
  const mismatch = expected === undefined ? undefined : shapeMismatch(teacher, expected);
  if (mismatch !== undefined) {
    teacher.dispose();
    throw new DistilleryError('E_SHAPE', `teacher loaded from ${directory} (${teacher.name}) ${mismatch}`);
  }
  return teacher;
}

/** A folder's ensemble.json, checked; undefined when the folder holds none (it is not an ensemble's). */
export async function readEnsembleManifest(directory: string): Promise<EnsembleManifest | undefined> {
  const path = join(directory, ENSEMBLE_JSON);
  const manifest = (await readModelJson(path)) as Partial<EnsembleManifest> | undefined;
  if (manifest === undefined) return undefined;
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
