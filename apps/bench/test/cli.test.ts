import { CommanderError, InvalidArgumentError } from 'commander';
import { parseBenchArgs } from '../src/cli';

const defaults = { out: '/repo/bench/results.json', python: '/usr/bin/python3', cores: 2 };

describe('parseBenchArgs', () => {
  beforeEach(() => jest.spyOn(process.stderr, 'write').mockImplementation(() => true));
  afterEach(() => jest.restoreAllMocks());

  it('defaults to the three workloads of issue #7 on every backend, with the peer', () => {
    const o = parseBenchArgs([], defaults);
    expect(o.workloads).toEqual([
      { model: 'lenet5-relu', batch: 128, inputSize: 28 },
      { model: 'alexnet-mini', batch: 128, inputSize: 28 },
      { model: 'alexnet', batch: 32, inputSize: 224 },
    ]);
    expect(o.backends).toEqual(['tensorflow', 'webgpu', 'onnxruntime', 'wasm', 'cpu']);
    expect(o.modes).toEqual(['train', 'infer']);
    expect(o).toMatchObject({ quick: false, pytorch: true, profile: false, python: defaults.python, out: defaults.out, learningRate: 0.01 });
    expect(o.warmup).toBeUndefined();
    expect(o.torchThreads).toBeUndefined();
    expect(o.replicas).toEqual([1, 2]);
    expect(o.wasmThreads).toEqual([1, 2]);
  });

  it('caps the default wasm thread count at what a wasm thread pool holds', () => {
    expect(parseBenchArgs([], { ...defaults, cores: 16 }).wasmThreads).toEqual([1, 8]);
    expect(parseBenchArgs([], { ...defaults, cores: 1 }).wasmThreads).toEqual([1]);
  });

  it('reads lists, numbers and switches', () => {
    const o = parseBenchArgs(
      ['--quick', '--backends', 'wasm, cpu', '--models', 'alexnet', '--modes', 'train', '--warmup', '0', '--steps', '4',
        '--no-pytorch', '--torch-threads', '1,2', '--out', '/tmp/r.json', '--profile', '--lr', '0.1', '--batch', '8', '--replicas', '1', '--wasm-threads', '2,2'],
      defaults,
    );
    expect(o).toMatchObject({
      quick: true,
      backends: ['wasm', 'cpu'],
      workloads: [{ model: 'alexnet', batch: 8, inputSize: 224 }],
      modes: ['train'],
      warmup: 0,
      steps: 4,
      pytorch: false,
      torchThreads: [1, 2],
      out: '/tmp/r.json',
      profile: true,
      learningRate: 0.1,
      replicas: [1],
      wasmThreads: [2],
    });
  });

  it('names the valid models when given an unknown one', () => {
    expect(() => parseBenchArgs(['--models', 'resnet'], defaults)).toThrow(InvalidArgumentError);
    expect(() => parseBenchArgs(['--models', 'resnet'], defaults)).toThrow(/'resnet'.*lenet5-relu, alexnet-mini, alexnet/);
  });

  it('rejects a bad mode, a bad count and an unknown flag', () => {
    expect(() => parseBenchArgs(['--modes', 'eval'], defaults)).toThrow(/'eval'/);
    expect(() => parseBenchArgs(['--steps', '0'], defaults)).toThrow(CommanderError);
    expect(() => parseBenchArgs(['--steps', 'two'], defaults)).toThrow(/received 'two'/);
    expect(() => parseBenchArgs(['--fast'], defaults)).toThrow(CommanderError);
  });
});
