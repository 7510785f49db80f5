import {
  DistilleryError,
  deserializeModel,
  resolveBackendName,
  shareDataset,
  type Dataset,
  type Model,
  type TeacherLogits,
} from '@distillery/core';
import * as Comlink from 'comlink/dist/esm/comlink.mjs';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { Worker } from 'node:worker_threads';
import { typeScriptExecArgv } from '../pool/typescript-exec-argv.js';
import type { TrialEpoch, TrialResult, TrialSpec } from '../trial/trial-spec.js';
import type { RemoteTrainerApi } from './remote-trainer-api.js';

export interface RemoteTrainInput {
  readonly spec: TrialSpec;
  readonly seed: number;
  readonly train: Dataset;
  readonly test: Dataset;
  /** Raw teacher logits for every example of `train`. */
  readonly teacherLogits: TeacherLogits;
}

/**
 * A long-lived trainer in its own worker thread, driven from code through comlink: start a
 * training, watch its epochs (a callback proxied back to this thread), stop it early, and
 * fetch the trained student — while this thread stays free.
 */
export class RemoteTrainer {
  private constructor(
    private readonly worker: Worker,
    private readonly remote: Comlink.Remote<RemoteTrainerApi>,
  ) {}

  static start(options: { readonly backend?: string } = {}): RemoteTrainer {
    const worker = new Worker(new URL('./remote-trainer-worker.ts', import.meta.url), {
      workerData: { backend: resolveBackendName(options.backend) },
      execArgv: typeScriptExecArgv(),
    });
    return new RemoteTrainer(worker, Comlink.wrap<RemoteTrainerApi>(nodeEndpoint(worker)));
  }

  async train(input: RemoteTrainInput, onEpoch?: (done: number, total: number, epoch: TrialEpoch) => void): Promise<TrialResult> {
    const train = shareDataset(input.train);
    const logits = new Float32Array(new SharedArrayBuffer(input.teacherLogits.values.byteLength));
    logits.set(input.teacherLogits.values);
    const callback = Comlink.proxy((done: number, total: number, epoch: TrialEpoch) => onEpoch?.(done, total, epoch));
    return this.remote.train(
      { id: 'remote', params: {}, seed: input.seed, spec: input.spec, train, test: shareDataset(input.test), teacherLogits: logits },
      callback,
    );
  }

  /** Asks the running training to end after its current epoch. */
  async stop(): Promise<void> {
    await this.remote.stop();
  }

  /** The student of the last training, rebuilt in this thread. */
  async trainedModel(): Promise<Model> {
    const serialized = await this.remote.trainedModel();
    if (serialized === undefined) throw new DistilleryError('E_INTERNAL', 'no training has finished in this remote trainer yet');
    return deserializeModel(serialized);
  }

  async close(): Promise<void> {
    this.remote[Comlink.releaseProxy]();
    await this.worker.terminate();
  }
}
