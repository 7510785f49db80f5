import { DistilleryError, checkCompatible, isDistilleryError, loadModel, type Dataset, type Model } from '@distillery/core';

/** Loads a saved teacher and checks it fits the dataset it will label. */
export async function loadTeacher(directory: string, dataset?: Dataset): Promise<Model> {
  const teacher = await loadModel(directory);
  if (dataset === undefined) return teacher;
  try {
    checkCompatible(teacher, dataset);
  } catch (error) {
    teacher.dispose();
    const message = error instanceof Error ? error.message : String(error);
    throw new DistilleryError(isDistilleryError(error) ? error.code : 'E_SHAPE', `teacher loaded from ${directory}: ${message}`);
  }
  return teacher;
}
