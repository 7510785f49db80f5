import 'reflect-metadata';
import { serializeModel, setupBackend, type SerializedModel } from '@distillery/core';
import * as Comlink from 'comlink/dist/esm/comlink.mjs';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { parentPort, workerData } from 'node:worker_threads';
import { createBuiltinRegistry } from '../builtin-registry.js';
import { runTrial } from '../trial/run-trial.js';
import type { RemoteTrainerApi } from './remote-trainer-api.js';

const ready = setupBackend({ backend: (workerData as { backend: string }).backend }).then(() => createBuiltinRegistry());
let stopRequested = false;
let trained: SerializedModel | undefined;

const api: RemoteTrainerApi = {
  async train(task, onEpoch) {
    const registry = await ready;
    stopRequested = false;
    trained = undefined;
    return runTrial(task, registry, {}, {
      onEpoch: (done, total, epoch) => void onEpoch(done, total, epoch),
      shouldStop: () => stopRequested,
      onTrained: async (student) => {
        trained = await serializeModel(student);
      },
    });
  },
  stop() {
    stopRequested = true;
  },
  trainedModel() {
    return trained;
  },
  shutdown() {
    setImmediate(() => process.exit(0));
  },
};

Comlink.expose(api, nodeEndpoint(parentPort!));
