/**
 * One backend's measurements, in a process of its own: TF.js backends do not mix well in one process
 * and a native one cannot be unloaded, so the parent forks this per backend and reads its messages.
 */
import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend, type BackendChoice } from '@zoo/backend';
import { makeStep, profileStep, syntheticBatch, timeSteps, type Step } from './measure';
import { buildModel } from './models';
import type { ChildJob, ChildMessage } from './protocol';
import { replicatedStep } from './replicated-step';
import { imagesPerSecond, median } from './stats';
import { torchSpec, type LayerLike } from './torch-spec';
import type { Task } from './types';

const workerUrl = new URL('./replica-worker.js', import.meta.url);

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) {
      process.stdout.write(`${JSON.stringify(message)}\n`);
      resolve();
      return;
    }
    process.send(message, undefined, undefined, () => resolve());
  });
}

function errorText(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n', 1)[0];
}

interface Prepared {
  step: Step;
  close(): Promise<void>;
}

/** The plain step: one model, one thread of TF.js, the whole batch. */
function plainStep(job: ChildJob, task: Task, model: tf.LayersModel): Prepared {
  const data = syntheticBatch(model, task.batch);
  const step = makeStep(task.mode, model, data, job.learningRate);
  return { step, close: async () => tf.dispose([data.xs, data.labels]) };
}

async function run(job: ChildJob): Promise<void> {
  let threads: number;
  let software = false;
  let onnxruntime = false;
  try {
    // Explicit, because initBackend's default is one wasm thread per core (or ZOO_WASM_THREADS).
    const info = await initBackend({ backend: job.backend as BackendChoice, threads: job.wasmThreads ?? 1 });
    threads = info.threads;
    onnxruntime = info.choice === 'onnxruntime';
    software = info.device === 'cpu' && job.softwareTasks !== undefined;
    await send({
      type: 'backend',
      report: {
        requested: job.backend,
        available: true,
        description: describeBackend(info),
        name: info.name,
        threads,
        device: info.device,
        ...(software ? { softwarePlan: true } : {}),
        ...(process.env.GLIBC_TUNABLES ? { glibcTunables: process.env.GLIBC_TUNABLES } : {}),
        ...(process.execArgv.length > 0 ? { nodeFlags: process.execArgv.join(' ') } : {}),
      },
    });
  } catch (err) {
    await send({ type: 'backend', report: { requested: job.backend, available: false, description: errorText(err) } });
    return;
  }
  // wasm with ONNX Runtime's kernels is its own row: the TF.js backend alone would not say which.
  const backend = onnxruntime ? 'wasm + onnxruntime' : tf.getBackend();
  const sentSpecs = new Set<string>();
  const profiled = new Set<string>();
  for (const task of software ? (job.softwareTasks ?? []) : job.tasks) {
    const { workload, mode } = task;
    for (const replicas of job.replicas ?? [1]) {
      // Replicas are a way to train (the trainer's data parallelism); inference has none.
      if (replicas > 1 && mode !== 'train') continue;
      const who = replicas > 1 ? `${backend} x${replicas}` : backend;
      const label = `${who} ${workload.model} ${mode} batch ${task.batch} @${workload.inputSize}px`;
      await send({ type: 'progress', text: `${label} ...` });
      let model: tf.LayersModel | undefined;
      let prepared: Prepared | undefined;
      try {
        if (replicas === 1 || !sentSpecs.has(workload.model)) {
          model = buildModel(workload.model, workload.inputSize);
        }
        if (model !== undefined && !sentSpecs.has(workload.model)) {
          sentSpecs.add(workload.model);
          try {
            await send({ type: 'spec', spec: torchSpec(workload.model, model.inputs[0].shape, model.layers as unknown as LayerLike[]) });
          } catch (err) {
            await send({ type: 'progress', text: `  no PyTorch peer for ${workload.model}: ${errorText(err)}` });
          }
        }
        if (replicas === 1) {
          prepared = plainStep(job, task, model as tf.LayersModel);
        } else {
          model?.dispose();
          model = undefined;
          prepared = await replicatedStep({
            backend: job.backend,
            model: workload.model,
            inputSize: workload.inputSize,
            batch: task.batch,
            replicas,
            learningRate: job.learningRate,
            workerUrl,
          });
        }
        const timing = await timeSteps(prepared.step, task.policy);
        // Slow-plan tasks (pure-JS, software WebGPU) are not profiled: a profiled AlexNet step there
        // costs minutes more, and their profile is one kernel (Conv2DBackpropFilter) anyway.
        if (job.profile && mode === 'train' && replicas === 1 && task.estimateNote === undefined && !profiled.has(workload.model)) {
          profiled.add(workload.model);
          const profile = await profileStep(prepared.step);
          await send({ type: 'profile', profile: { backend, model: workload.model, batch: task.batch, inputSize: workload.inputSize, ...profile } });
        }
        const medianMs = median(timing.timesMs);
        const estimated = task.batch !== workload.batch;
        // A shrunk batch measures per-image cost; images/s carries over, the step time scales.
        const rate = imagesPerSecond(task.batch, medianMs);
        const notes = [task.estimateNote, timing.leakedTensors > 0 ? `${timing.leakedTensors} tensors leaked per measurement` : undefined];
        await send({
          type: 'result',
          result: {
            framework: 'zoo',
            backend,
            model: workload.model,
            mode,
            batch: workload.batch,
            measuredBatch: task.batch,
            inputSize: workload.inputSize,
            threads: threads * replicas,
            replicas,
            warmupSteps: timing.warmupSteps,
            timesMs: timing.timesMs,
            medianMs: estimated ? (medianMs * workload.batch) / task.batch : medianMs,
            imagesPerSecond: rate,
            cpuMs: timing.cpuMs,
            imagesPerCpuSecond: imagesPerSecond(task.batch, Math.max(median(timing.cpuMs), 1e-3)),
            estimated,
            ...(notes.some(Boolean) ? { note: notes.filter(Boolean).join('; ') } : {}),
          },
        });
        await send({ type: 'progress', text: `${label}: ${medianMs.toFixed(1)} ms/step, ${rate.toFixed(1)} images/s` });
      } catch (err) {
        await send({ type: 'failure', failure: { framework: 'zoo', backend: who, model: workload.model, mode, error: errorText(err) } });
      } finally {
        await prepared?.close();
        model?.dispose();
      }
    }
  }
}

// A parent that died (Ctrl-C, timeout) leaves nobody to report to: stop rather than burn the cores.
process.once('disconnect', () => process.exit(1));

process.once('message', (job: ChildJob) => {
  run(job)
    .catch(async (err: unknown) => {
      await send({ type: 'progress', text: `child failed: ${errorText(err)}` });
    })
    .finally(async () => {
      await send({ type: 'done' });
      process.disconnect?.();
      // Native backends keep handles open; the parent has everything it needs.
      process.exit(0);
    });
});
