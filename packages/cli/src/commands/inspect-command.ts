import { DistilleryError, listFeatures, setupBackend, type FeatureInfo } from '@distillery/core';
import { join } from 'node:path';
import { loadTeacher, readEnsembleManifest } from '@distillery/teachers';

export interface InspectOutcome {
  readonly model: string;
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  readonly parameters: number;
  /** The named layers a feature term can connect (`features: [{ student: …, teacher: … }]`). */
  readonly features: readonly FeatureInfo[];
}

/** `distillery inspect <model-dir>`: a saved model's named layers and their output shapes. */
export async function inspectCommand(modelDir: string, flags: { backend?: string }): Promise<InspectOutcome> {
  await setupBackend(flags.backend === undefined ? {} : { backend: flags.backend });
  // An ensemble has no layers of its own: said from its manifest, without loading its members.
  const ensemble = await readEnsembleManifest(modelDir);
  if (ensemble !== undefined) {
    const members = ensemble.members.map((folder) => join(modelDir, folder));
    throw new DistilleryError(
      'E_CONFIG',
      `${modelDir} holds an ensemble (${ensemble.name}, ${members.length} teachers): it has no layers of its own, and feature terms cannot connect one; inspect a member instead: distillery inspect ${members[0]}`,
    );
  }
  const model = await loadTeacher(modelDir); // any saved model: a layers folder, an ONNX teacher's, or a .onnx file
  try {
    return { model: model.name, inputShape: model.inputShape, numClasses: model.numClasses, parameters: model.countParams(), features: listFeatures(model) };
  } finally {
    model.dispose();
  }
}

export function formatInspectOutcome(o: InspectOutcome): string {
  const rows = o.features.map((f) => [f.name, f.kind, `[${f.shape.join(', ')}]`]);
  const widths = [0, 1].map((c) => Math.max(c === 0 ? 'layer'.length : 'kind'.length, ...rows.map((r) => r[c]!.length)));
  const line = (r: readonly string[]) => `  ${r[0]!.padEnd(widths[0]!)}  ${r[1]!.padEnd(widths[1]!)}  ${r[2]}`.trimEnd();
  const head = `${o.model}: input [${o.inputShape.join(', ')}] → ${o.numClasses} classes, ${o.parameters.toLocaleString('en-US')} parameters`;
  return `${[head, line(['layer', 'kind', 'output shape (one example)']), ...rows.map(line)].join('\n')}\n`;
}
