import * as tf from '@tensorflow/tfjs';
import type { RunSpec } from '../src/presets';
import { macsPerExample, planReplicas } from '../src/replicas';

const spec = (id: string, batchSize = 128, inputSize = 28): RunSpec => ({ id, model: id, batchSize, inputSize }) as RunSpec;
const ort = { choice: 'onnxruntime' as const, device: 'cpu' as const, name: 'wasm' };
const webgpu = { choice: 'webgpu' as const, device: 'gpu' as const, name: 'webgpu' };
const never = (): number => {
  throw new Error('the rule did not need the cost');
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('planReplicas', () => {
  it('auto: the backend rule, with the model described only where it decides', () => {
    expect(planReplicas(spec('lenet5'), 'auto', ort, 2, () => 416_520)).toMatchObject({ replicas: 2 });
    expect(planReplicas(spec('alexnet', 32, 224), undefined, ort, 2, () => 938_146_176)).toMatchObject({ replicas: 1 });
    expect(planReplicas(spec('lenet5'), 'auto', ort, 1, never)).toMatchObject({ replicas: 1 });
    expect(planReplicas(spec('lenet5'), 'auto', webgpu, 8, never)).toMatchObject({ replicas: 1 });
  });

  it('a number: as asked on a CPU backend, refused on a GPU or past the batch', () => {
    expect(planReplicas(spec('alexnet', 32, 224), 2, ort, 2, never)).toEqual({ replicas: 2, why: 'as asked (--replicas 2), one backend thread each' });
    expect(planReplicas(spec('lenet5'), 1, ort, 2, never)).toEqual({ replicas: 1, why: 'as asked (--replicas 1)' });
    expect(() => planReplicas(spec('lenet5'), 2, webgpu, 2, never)).toThrow(
      '--replicas: got 2; expected 1 or auto on webgpu: data-parallel replicas share the CPU\'s cores (backends onnxruntime, wasm, cpu)',
    );
    expect(planReplicas(spec('lenet5'), 1, webgpu, 2, never).replicas).toBe(1);
    expect(() => planReplicas(spec('lenet5', 4), 8, ort, 2, never)).toThrow('--replicas: got 8; expected at most the batch size (4 for lenet5)');
  });

  it("describes the registry's models by their forward multiply-adds", () => {
    expect(macsPerExample(spec('lenet5'), 10)).toBe(416_520);
    expect(macsPerExample(spec('alexnet-mini'), 10)).toBe(6_896_000);
    expect(tf.memory().numTensors).toBe(0);
  });
});
