import type { SerializedModel } from '@distillery/core';
import type { TrialEpoch, TrialResult, TrialTask } from '../trial/trial-spec.js';

/** What the remote-trainer worker exposes through comlink. */
export interface RemoteTrainerApi {
  /** Trains one trial; `onEpoch` is a comlink proxy called back on the main thread. */
  train(task: TrialTask, onEpoch: (done: number, total: number, epoch: TrialEpoch) => void): Promise<TrialResult>;
  /** Ends training after the current epoch; the weights trained so far are kept. */
  stop(): void;
  /** The last trained student's weights (shared memory), if any. */
  trainedModel(): SerializedModel | undefined;
  /** Ends the worker once this reply is sent (a cooperative shutdown). */
  shutdown(): void;
}
