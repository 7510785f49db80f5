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
import { parseWith, trialSpecSchema, type TrialSpecInput } from '../spec/run-spec.js';
import type { TrialEpoch, TrialResult } from '../trial/trial-spec.js';
import type { RemoteTrainerApi } from './remote-trainer-api.js';

export interface RemoteTrainInput {
  /** The run spec's data (split), student and distillation sections. */
  readonly spec: TrialSpecInput;
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
  /** Rejects when the worker dies (a failed start-up, a crash), so no call waits forever. */
  private readonly crashed: Promise<never>;
  private closing = false;

  private constructor(
    private readonly worker: Worker,
    private readonly remote: Comlink.Remote<RemoteTrainerApi>,
  ) {
    this.crashed = new Promise<never>((_, reject) => {
      worker.once('error', (error) => reject(new DistilleryError('E_INTERNAL', `remote trainer worker failed: ${error.message}`, { cause: error })));
      worker.once('exit', (code) => {
        if (!this.closing) reject(new DistilleryError('E_INTERNAL', `remote trainer worker exited (code ${code})`));
      });
    });
    this.crashed.catch(() => undefined); // observed by whichever call is waiting
  }

  private call<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.crashed]);
  }

  static start(options: { readonly backend?: string } = {}): RemoteTrainer {
    // A .mjs bootstrap registers tsx in the worker, then imports the .ts entry.
    const worker = new Worker(new URL('./remote-trainer-bootstrap.mjs', import.meta.url), {
      workerData: { backend: resolveBackendName(options.backend) },
    });
    return new RemoteTrainer(worker, Comlink.wrap<RemoteTrainerApi>(nodeEndpoint(worker)));
  }

  async train(input: RemoteTrainInput, onEpoch?: (done: number, total: number, epoch: TrialEpoch) => void): Promise<TrialResult> {
    const train = shareDataset(input.train);
    const logits = new Float32Array(new SharedArrayBuffer(input.teacherLogits.values.byteLength));
    logits.set(input.teacherLogits.values);
    const callback = Comlink.proxy((done: number, total: number, epoch: TrialEpoch) => onEpoch?.(done, total, epoch));
    return this.call(
      this.remote.train(
        { id: 'remote', params: {}, seed: input.seed, spec: parseWith(trialSpecSchema, input.spec, 'trial spec'), train, test: shareDataset(input.test), teacherLogits: logits },
        callback,
      ),
    );
  }

  /** Asks the running training to end after its current epoch. */
  async stop(): Promise<void> {
    await this.call(this.remote.stop());
  }

  /** The student of the last training, rebuilt in this thread. */
  async trainedModel(): Promise<Model> {
    const serialized = await this.call(this.remote.trainedModel());
    if (serialized === undefined) throw new DistilleryError('E_INTERNAL', 'no training has finished in this remote trainer yet');
    return deserializeModel(serialized);
  }

  /** Lets the worker finish and exit on its own; terminating a thread mid-kernel can abort the process. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    await this.remote.shutdown().catch(() => undefined);
    this.remote[Comlink.releaseProxy]();
    const timeout = setTimeout(() => void this.worker.terminate(), 10_000);
    await exited;
    clearTimeout(timeout);
  }
}
