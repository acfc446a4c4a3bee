/** A data-parallel worker replica of the bench: the trainer's replica, on the child's backend with one thread. */
import { initBackend, type BackendChoice } from '@zoo/backend';
import { serveReplica } from '@zoo/trainer/node';
// The registry's custom layers, which the replica rebuilds the model with.
import '@zoo/models';

serveReplica(async (backend) => {
  // One thread per replica: the replicas are the parallelism.
  await initBackend({ backend: backend as BackendChoice, threads: 1 });
});
