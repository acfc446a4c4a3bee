/**
 * A data-parallel replica of one model's training (`@zoo/trainer/node`'s serveReplica), started by
 * worker.ts in a thread of its own: the same backend as the worker, on one thread.
 */
import { initBackend, type BackendChoice } from '@zoo/backend';
import { serveReplica } from '@zoo/trainer/node';
// The registry's custom layers, which the replica rebuilds the model with.
import '@zoo/models';

serveReplica(async (backend) => {
  await initBackend({ backend: backend as BackendChoice, threads: 1 });
});
