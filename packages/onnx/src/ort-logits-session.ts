import { DistilleryError } from '@distillery/core';
import type { InferenceSession } from 'onnxruntime-node';
import { layoutBatch, planOnnxInput, type InputLayout, type OnnxDataShape, type OnnxInputPlan, type OnnxValueShape } from './onnx-io.js';
import { loadOnnxRuntime, teacherSessionOptions, type OnnxRuntime } from './onnx-runtime.js';

/**
 * A teacher's ONNX model on onnxruntime-node: batches of examples in, raw logits out. Meant for
 * worker threads only — `session.run` blocks its thread, and a thread stopped inside it
 * (Worker.terminate, process.exit) aborts the whole process, so callers stop between batches.
 */
export class OrtLogitsSession {
  private constructor(
    private readonly runtime: OnnxRuntime,
    private readonly session: InferenceSession,
    readonly plan: OnnxInputPlan,
    private readonly data: OnnxDataShape,
  ) {}

  /** Reads the model's input and output names and shapes from the session and checks them against the data. */
  static async create(model: Uint8Array, data: OnnxDataShape, source: string, layout?: InputLayout): Promise<OrtLogitsSession> {
    const runtime = await loadOnnxRuntime();
    // ORT reads the model from an ordinary buffer; a view of shared memory is copied first.
    const bytes = model.buffer instanceof SharedArrayBuffer ? model.slice() : model;
    let session: InferenceSession;
    try {
      session = await runtime.InferenceSession.create(bytes, teacherSessionOptions());
    } catch (error) {
      throw new DistilleryError('E_MODEL_IO', `${source}: onnxruntime could not load the model (${(error as Error).message})`, { cause: error });
    }
    try {
      const plan = planOnnxInput(metadataShapes(session.inputMetadata), metadataShapes(session.outputMetadata), data, source, layout);
      return new OrtLogitsSession(runtime, session, plan, data);
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  /** Logits [n, classes] for the first `n` examples of `x` (dataset layout, possibly shared memory). */
  async run(x: Float32Array, n: number): Promise<Float32Array> {
    const feed = new this.runtime.Tensor('float32', layoutBatch(x, n, this.data.inputShape, this.plan.layout), this.plan.feedShape(n));
    const result = await this.session.run({ [this.plan.inputName]: feed });
    const logits = result[this.plan.outputName]!;
    const values = logits.data as Float32Array;
    if (logits.type !== 'float32' || values.length !== n * this.data.numClasses) {
      throw new DistilleryError('E_SHAPE', `ONNX teacher output '${this.plan.outputName}' gave ${logits.type} [${logits.dims.join(', ')}], expected float32 [${n}, ${this.data.numClasses}]`);
    }
    return values;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

function metadataShapes(metadata: readonly InferenceSession.ValueMetadata[]): OnnxValueShape[] {
  return metadata.map((m) => ({ name: m.name, shape: m.isTensor ? m.shape : [] }));
}
