import { readFile } from 'node:fs/promises';
import { DistilleryError } from '../errors.js';

/**
 * A JSON file of a saved model's folder (model.json, ensemble.json, onnx-teacher.json), parsed;
 * undefined when the file is missing. Invalid JSON is an E_MODEL_IO error naming the file.
 */
export async function readModelJson(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new DistilleryError('E_MODEL_IO', `${path} is not valid JSON (${(error as Error).message})`);
  }
}
