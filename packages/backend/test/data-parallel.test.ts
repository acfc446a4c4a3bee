import { DATA_PARALLEL_MAX_MACS_PER_EXAMPLE, dataParallelReplicas } from '../src';

const ort = { choice: 'onnxruntime' as const };
// Forward multiply-adds per example of the zoo's models, from describeModel.
const LENET = 416_520;
const ALEXNET_MINI = 6_896_000;
const ALEXNET_224 = 938_146_176;

describe('dataParallelReplicas', () => {
  it('splits small models over the threads on wasm + onnxruntime', () => {
    expect(dataParallelReplicas(ort, 2, 128, () => LENET)).toMatchObject({ replicas: 2 });
    expect(dataParallelReplicas(ort, 2, 128, () => ALEXNET_MINI)).toMatchObject({ replicas: 2 });
    expect(dataParallelReplicas(ort, 4, 256, () => LENET).replicas).toBe(4);
    expect(dataParallelReplicas(ort, 2, 128, () => LENET).why).toMatch(/0\.4 M multiply-adds per example/);
  });

  it('leaves AlexNet at 224 px on ONNX Runtime threads', () => {
    const choice = dataParallelReplicas(ort, 2, 32, () => ALEXNET_224);
    expect(choice.replicas).toBe(1);
    expect(choice.why).toMatch(/938 M multiply-adds per example/);
    expect(dataParallelReplicas(ort, 2, 128, () => DATA_PARALLEL_MAX_MACS_PER_EXAMPLE).replicas).toBe(1);
  });

  it('needs two threads, a batch that splits into slices of 32, and onnxruntime', () => {
    expect(dataParallelReplicas(ort, 1, 128, () => LENET)).toEqual({ replicas: 1, why: 'one thread for this run' });
    expect(dataParallelReplicas(ort, 2, 63, () => LENET)).toMatchObject({ replicas: 1, why: 'a batch of 63 is too small to split' });
    expect(dataParallelReplicas(ort, 8, 96, () => LENET).replicas).toBe(3);
    for (const choice of ['wasm', 'cpu', 'webgpu', 'tensorflow'] as const) {
      expect(dataParallelReplicas({ choice }, 2, 128, () => LENET).replicas).toBe(1);
    }
  });
});
