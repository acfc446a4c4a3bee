import { DEFAULT_WORKLOADS, FULL_POLICY, planTasks, QUICK_POLICY, skippedTasks } from '../src/plan';

describe('planTasks', () => {
  it('measures every workload in both modes with the run policy', () => {
    const tasks = planTasks('wasm', DEFAULT_WORKLOADS, { quick: false });
    expect(tasks.map((t) => `${t.workload.model}/${t.mode}/${t.batch}`)).toEqual([
      'lenet5-relu/train/128',
      'lenet5-relu/infer/128',
      'alexnet-mini/train/128',
      'alexnet-mini/infer/128',
      'alexnet/train/32',
      'alexnet/infer/32',
    ]);
    expect(tasks.every((t) => t.policy === tasks[0].policy && t.estimateNote === undefined)).toBe(true);
    expect(tasks[0].policy).toEqual(FULL_POLICY);
    expect(planTasks('wasm', DEFAULT_WORKLOADS, { quick: true })[0].policy).toEqual(QUICK_POLICY);
  });

  it('times the pure-JS backend on small batches, one step, and says the rows are estimates', () => {
    const tasks = planTasks('cpu', DEFAULT_WORKLOADS, { quick: true });
    expect(tasks.map((t) => `${t.workload.model}/${t.mode}/${t.batch}`)).toEqual([
      'lenet5-relu/train/16',
      'lenet5-relu/infer/128',
      'alexnet-mini/train/4',
      'alexnet-mini/infer/16',
      'alexnet/infer/1',
    ]);
    expect(tasks.every((t) => t.policy.minSteps === 1 && t.policy.maxSteps === 1 && t.policy.warmup === 1)).toBe(true);
    expect(tasks[0].estimateNote).toMatch(/estimated from 1 step at batch 16, scaled to batch 128/);
    expect(tasks[1].estimateNote).toMatch(/1 timed step only/);
    expect(skippedTasks('cpu', DEFAULT_WORKLOADS, { quick: true })).toEqual([expect.stringMatching(/^cpu alexnet train not run under --quick/)]);
    expect(skippedTasks('wasm', DEFAULT_WORKLOADS, { quick: true })).toEqual([]);
  });

  it('estimates AlexNet-224 training on the pure-JS backend only in a full run, from one image', () => {
    const alexnet = planTasks('cpu', DEFAULT_WORKLOADS, { quick: false }).filter((t) => t.workload.model === 'alexnet');
    expect(alexnet.map((t) => [t.mode, t.batch])).toEqual([['train', 1], ['infer', 2]]);
    expect(alexnet[0].policy).toMatchObject({ warmup: 0, minSteps: 2, maxSteps: 2 });
    expect(alexnet[1].policy).toMatchObject({ warmup: 1, minSteps: 2, maxSteps: 2 });
    expect(skippedTasks('cpu', DEFAULT_WORKLOADS, { quick: false })).toEqual([]);
  });

  it('applies --warmup and --steps', () => {
    const [task] = planTasks('wasm', DEFAULT_WORKLOADS.slice(0, 1), { quick: true, warmup: 0, steps: 9 });
    expect(task.policy).toMatchObject({ warmup: 0, warmupMs: 0, minSteps: 9, maxSteps: 9 });
  });
});
