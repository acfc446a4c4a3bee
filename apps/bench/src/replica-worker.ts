/** A worker-thread replica: its own TF.js, backend and model; does what the main replica says. */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend, type BackendChoice } from '@zoo/backend';
import { syntheticBatch } from './measure';
import { buildModel } from './models';
import { Replica } from './replicas';
import type { FromReplica, ReplicaInit, ToReplica } from './replica-protocol';

if (parentPort === null) throw new Error('replica-worker must run in a worker thread');
const port = parentPort;
const init = workerData as ReplicaInit;
const reply = (m: FromReplica): void => port.postMessage(m);

async function start(): Promise<void> {
  // One thread per replica: the replicas are the parallelism.
  const info = await initBackend({ backend: init.backend as BackendChoice, threads: 1 });
  const model = buildModel(init.model, init.inputSize);
  const replica = new Replica(model, syntheticBatch(model, init.batch), init.shared, init.rank, init.learningRate);
  port.on('message', (m: ToReplica) => {
    try {
      switch (m.type) {
        case 'weights':
          replica.setWeights(m.values);
          break;
        case 'gradients':
          replica.gradients();
          break;
        case 'reduce':
          replica.reduce();
          break;
        case 'apply':
          replica.apply();
          break;
        case 'infer':
          replica.infer();
          break;
        case 'stop':
          replica.dispose();
          port.close();
          return;
      }
      reply({ type: 'ok' });
    } catch (err) {
      reply({ type: 'error', message: String((err as Error)?.message ?? err) });
    }
  });
  reply({ type: 'ready', threads: info.threads });
}

start().catch((err: unknown) => reply({ type: 'error', message: String((err as Error)?.message ?? err) }));
