import { UsageError } from '../src/errors';
import type { CliOptions } from '../src/options';
import { checkAgainstData, choosePreset, planRuns, runLearningRate, PRESETS, SMALL_INPUT, type BackendFacts, type ModelFacts } from '../src/presets';

// The registry's shape, with the chapter's hyperparameters, independent of the model packages.
const MODELS: ModelFacts[] = [
  { name: 'lenet5', inputSize: 28, minInputSize: 12, training: { optimizer: 'sgd', learningRate: 0.9, batchSize: 256, epochs: 10, source: 'D2L' } },
  {
    name: 'lenet5-relu',
    inputSize: 28,
    minInputSize: 12,
    training: { optimizer: 'adam', learningRate: 2e-3, lrSchedule: 'cosine', augment: { flip: true, crop: 2 }, batchSize: 256, epochs: 10, source: 'zoo' },
  },
  { name: 'alexnet', inputSize: 224, minInputSize: 63, training: { optimizer: 'sgd', learningRate: 0.01, batchSize: 128, epochs: 10, source: 'D2L' } },
  {
    name: 'alexnet-classic',
    inputSize: 227,
    minInputSize: 67,
    training: { optimizer: 'momentum', learningRate: 0.01, momentum: 0.9, weightDecay: 5e-4, batchSize: 128, epochs: 90, source: 'the 2012 paper' },
  },
  { name: 'alexnet-mini', inputSize: 28, minInputSize: 8, training: { optimizer: 'adam', learningRate: 1e-3, lrDropEpochs: [3], batchSize: 128, epochs: 3, source: 'zoo' } },
];
const CPU: BackendFacts = { name: 'wasm', device: 'cpu' };
const GPU: BackendFacts = { name: 'tensorflow', device: 'gpu' };

function plan(options: CliOptions, backend = CPU) {
  return planRuns(options, choosePreset(options.preset, backend), MODELS);
}

describe('choosePreset', () => {
  it('picks the chapter setup on a GPU and the cpu preset otherwise, and says why', () => {
    const gpu = choosePreset(undefined, GPU);
    expect(gpu.preset.name).toBe('d2l');
    expect(gpu.reason).toMatch(/GPU/);
    const cpu = choosePreset('auto', CPU);
    expect(cpu.preset.name).toBe('cpu');
    expect(cpu.reason).toContain('wasm');
    expect(cpu.reason).toContain('--preset d2l');
  });

  it('keeps an explicit preset whatever the backend', () => {
    expect(choosePreset('d2l', CPU).preset.name).toBe('d2l');
    expect(choosePreset('quick', GPU).preset.name).toBe('quick');
  });
});

describe('planRuns', () => {
  it('d2l trains every model with its registry hyperparameters for 10 epochs on all the data', () => {
    const p = plan({}, GPU);
    expect(p.runs.map((r) => r.model)).toEqual(PRESETS.d2l.models);
    for (const run of p.runs) {
      const facts = MODELS.find((m) => m.name === run.model)!;
      expect(run.inputSize).toBe(facts.inputSize);
      expect(run.batchSize).toBe(facts.training.batchSize);
      expect(run.optimizer.lr).toBe(facts.training.learningRate);
      // train_ch6's 10 epochs, whatever the registry's recipe (that of the shipped weights) says.
      expect(run.epochs).toBe(10);
      expect(run.limitTrain).toBeUndefined();
    }
  });

  it('cpu trains small models on all the data and large ones on the preset subset', () => {
    const p = plan({});
    for (const run of p.runs) {
      const facts = MODELS.find((m) => m.name === run.model)!;
      if (facts.inputSize > SMALL_INPUT) {
        expect(run.limitTrain).toBe(PRESETS.cpu.large!.limitTrain);
        expect(run.epochs).toBe(PRESETS.cpu.large!.epochs);
      } else {
        expect(run.limitTrain).toBeUndefined();
        expect(run.epochs).toBe(PRESETS.cpu.rows?.[run.model]?.epochs ?? PRESETS.cpu.epochs);
      }
    }
  });

  it('lets every flag override the preset for every model', () => {
    const p = plan({ models: ['lenet5', 'alexnet'], epochs: 2, batchSize: 16, lr: 0.3, optimizer: 'adam', resize: 96, limitTrain: 100, limitTest: 50, seed: 9 });
    for (const run of p.runs) {
      expect(run).toMatchObject({ epochs: 2, batchSize: 16, inputSize: 96, limitTrain: 100, limitTest: 50, seed: 9 });
      expect(run.optimizer).toEqual({ name: 'adam', lr: 0.3 });
    }
  });

  it('carries momentum and weight decay only where they apply', () => {
    const [classic] = plan({ models: ['alexnet-classic'] }).runs;
    expect(classic.optimizer).toEqual({ name: 'momentum', lr: 0.01, momentum: 0.9, weightDecay: 5e-4 });
    const [lenet] = plan({ models: ['lenet5'], optimizer: 'momentum' }).runs;
    expect(lenet.optimizer.momentum).toBeGreaterThan(0);
    expect(plan({ models: ['lenet5'] }).runs[0].optimizer).toEqual({ name: 'sgd', lr: 0.9 });
  });

  it('makes one run per model and value in a sweep, on equal data', () => {
    const p = plan({ sweep: { flag: 'batch-size', values: [32, 64, 128] } });
    expect(p.mode).toBe('sweep');
    expect(p.runs.map((r) => r.batchSize)).toEqual([32, 64, 128]);
    expect(new Set(p.runs.map((r) => r.id)).size).toBe(3);
    expect(p.runs.every((r) => r.limitTrain === PRESETS.cpu.sweep.limitTrain && r.model === PRESETS.cpu.sweep.models[0])).toBe(true);
    const lr = plan({ models: ['lenet5', 'alexnet-mini'], sweep: { flag: 'lr', values: [0.1, 0.5] } });
    expect(lr.runs.map((r) => [r.model, r.optimizer.lr])).toEqual([
      ['lenet5', 0.1],
      ['lenet5', 0.5],
      ['alexnet-mini', 0.1],
      ['alexnet-mini', 0.5],
    ]);
  });

  it("carries the registry's whole recipe, its learning-rate drops included, to the run", () => {
    const [mini] = plan({ models: ['alexnet-mini'] }).runs;
    expect(mini.optimizer).toEqual({ name: 'adam', lr: 1e-3, lrDropEpochs: [3] });
    // --lr sets where the schedule starts; the drops stay the recipe's.
    expect(plan({ models: ['alexnet-mini'], lr: 0.01 }).runs[0].optimizer).toEqual({ name: 'adam', lr: 0.01, lrDropEpochs: [3] });
    const lr = runLearningRate(mini, 100) as (step: number) => number;
    expect([0, 299, 300, 599].map(lr)).toEqual([1e-3, 1e-3, 1e-4, 1e-4]);
    expect(runLearningRate({ optimizer: { name: 'sgd', lr: 0.1 }, epochs: 1 }, 100)).toBe(0.1);
    expect(mini.augment).toBeUndefined();
  });

  it("carries a cosine recipe and its augmentation, decaying over the run's own epochs", () => {
    const [relu] = plan({ models: ['lenet5-relu'], epochs: 2 }).runs;
    expect(relu.optimizer).toEqual({ name: 'adam', lr: 2e-3, lrSchedule: 'cosine' });
    expect(relu.augment).toEqual({ flip: true, crop: 2 });
    const lr = runLearningRate(relu, 10) as (step: number) => number;
    expect(lr(0)).toBeCloseTo(2e-3, 12);
    expect(lr(10)).toBeCloseTo(1e-3, 12);
    expect(lr(20)).toBeCloseTo(0, 12);
  });

  it('refuses --momentum for an optimizer without momentum, and what the trainer would refuse', () => {
    expect(() => plan({ models: ['lenet5'], momentum: 0.5 })).toThrow(/--momentum: got 0.5; expected --optimizer momentum with it \(lenet5 trains with sgd/);
    expect(plan({ models: ['alexnet-classic'], momentum: 0.5 }).runs[0].optimizer.momentum).toBe(0.5);
    expect(() => plan({ models: ['lenet5'], optimizer: 'momentum', momentum: 50 })).toThrow(/--momentum: got 50; expected a number in \[0, 1\)/);
  });

  it('marks the cpu preset\'s AlexNet at 224 px on a subset as a cost probe, and nothing else', () => {
    const runs = plan({}).runs;
    expect(runs.filter((r) => r.costProbe).map((r) => r.model)).toEqual(['alexnet']);
    expect(plan({ models: ['alexnet'], limitTrain: 5000 }).runs[0].costProbe).toBeUndefined();
    expect(plan({}, GPU).runs.some((r) => r.costProbe)).toBe(false);
  });

  it('rejects an unknown model, listing the known ones', () => {
    expect(() => plan({ models: ['lenet5', 'resnet'] })).toThrow(UsageError);
    expect(() => plan({ models: ['resnet'] })).toThrow(/--models.*"resnet".*lenet5, lenet5-relu, alexnet/);
  });

  it('rejects a resize the architecture cannot take, naming the minimum', () => {
    expect(() => plan({ models: ['alexnet'], resize: 28 })).toThrow(/--resize.*28.*at least 63 for alexnet/);
    expect(plan({ models: ['alexnet'], resize: 63 }).runs[0].inputSize).toBe(63);
  });

  it('rejects limits larger than the data', () => {
    const p = plan({ models: ['lenet5'], limitTrain: 70000 });
    expect(() => checkAgainstData(p, 60000, 10000)).toThrow(/--limit-train.*70000.*at most 60000/);
    expect(() => checkAgainstData(plan({ models: ['lenet5'], limitTest: 10001 }), 60000, 10000)).toThrow(/--limit-test/);
    expect(() => checkAgainstData(plan({ models: ['lenet5'], limitTrain: 60000 }), 60000, 10000)).not.toThrow();
  });
});
