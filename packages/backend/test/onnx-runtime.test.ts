import * as tf from '@tensorflow/tfjs';
import type { BackendInfo } from '../src/init';
import type * as Runtime from '../src/node/onnx/runtime';
import { onnxRuntimeInstalled } from './onnx-installed';

// Each case loads src/node/onnx/runtime.ts afresh, with onnxruntime-node's modules replaced as an
// upgrade or a broken install would change them; the real package is checked first.

type RuntimeModule = typeof Runtime;

function freshRuntime(mocks: Record<string, () => unknown>): RuntimeModule {
  jest.resetModules();
  for (const [name, factory] of Object.entries(mocks)) jest.doMock(name, factory);
  return jest.requireActual('../src/node/onnx/runtime') as RuntimeModule;
}

/** A binding module as 1.30.0 exports it, with an InferenceSession whose run does `run`. */
function fakeBinding(run: (feeds: Record<string, { data: Float32Array }>, fetches: Record<string, { data: Float32Array }>) => void): () => unknown {
  class InferenceSession {
    loadModel(): void {}
    run(feeds: Record<string, { data: Float32Array }>, fetches: Record<string, { data: Float32Array }>): Record<string, unknown> {
      run(feeds, fetches);
      return {};
    }
    dispose(): void {}
  }
  return () => ({ binding: { InferenceSession, initOrtOnce: () => undefined, listSupportedBackends: () => [] }, initOrt: () => undefined });
}

const version = (v: string) => () => ({ version: v });

afterEach(() => {
  jest.resetModules();
  jest.dontMock('onnxruntime-node/dist/version.js');
  jest.dontMock('onnxruntime-node/dist/binding.js');
});

(onnxRuntimeInstalled() ? test : test.skip)('the installed onnxruntime-node loads, passes the check, and names its MLAS kernels', async () => {
  const { loadOnnxRuntime, ONNXRUNTIME_VERSION } = jest.requireActual('../src/node/onnx/runtime') as RuntimeModule;
  const runtime = await loadOnnxRuntime(2);
  expect(runtime.version).toBe(ONNXRUNTIME_VERSION);
  expect(runtime.threads).toBe(2);
  if (process.platform === 'linux' && process.arch === 'x64') expect(['AVX-512', 'AVX2', 'SSE']).toContain(runtime.isa);
});

describe('a changed or missing onnxruntime-node is one line of reason', () => {
  test('another version', async () => {
    const { loadOnnxRuntime } = freshRuntime({ 'onnxruntime-node/dist/version.js': version('1.31.0') });
    await expect(loadOnnxRuntime(1)).rejects.toThrow('onnxruntime-node 1.31.0 is installed; @zoo/backend uses the private binding of 1.30.0 only');
  });

  test('a binding without InferenceSession', async () => {
    const { loadOnnxRuntime } = freshRuntime({
      'onnxruntime-node/dist/version.js': version('1.30.0'),
      'onnxruntime-node/dist/binding.js': () => ({ binding: { initOrtOnce: () => undefined }, initOrt: () => undefined }),
    });
    await expect(loadOnnxRuntime(1)).rejects.toThrow('onnxruntime-node/dist/binding does not export initOrt and binding.InferenceSession as 1.30.0 did');
  });

  test('a session without run()', async () => {
    class InferenceSession {
      loadModel(): void {}
      dispose(): void {}
    }
    const { loadOnnxRuntime } = freshRuntime({
      'onnxruntime-node/dist/version.js': version('1.30.0'),
      'onnxruntime-node/dist/binding.js': () => ({ binding: { InferenceSession, initOrtOnce: () => undefined }, initOrt: () => undefined }),
    });
    await expect(loadOnnxRuntime(1)).rejects.toThrow("onnxruntime-node's binding.InferenceSession has no run()");
  });

  test('a binding that no longer writes into a preallocated output', async () => {
    const { loadOnnxRuntime, OnnxRuntimeUnavailable } = freshRuntime({
      'onnxruntime-node/dist/version.js': version('1.30.0'),
      'onnxruntime-node/dist/binding.js': fakeBinding(() => undefined),
    });
    const attempt = loadOnnxRuntime(1);
    await expect(attempt).rejects.toThrow("onnxruntime-node's binding failed its check: a known 2x3·3x2 product came back as [0, 0, 0, 0], expected [58, 64, 139, 154]");
    await expect(attempt).rejects.toBeInstanceOf(OnnxRuntimeUnavailable);
  });

  test('a binding that writes past its output', async () => {
    const { loadOnnxRuntime } = freshRuntime({
      'onnxruntime-node/dist/version.js': version('1.30.0'),
      'onnxruntime-node/dist/binding.js': fakeBinding((_feeds, fetches) => {
        const y = Object.values(fetches)[0].data;
        new Float32Array(y.buffer, y.byteOffset, 5).set([58, 64, 139, 154, 1]);
      }),
    });
    await expect(loadOnnxRuntime(1)).rejects.toThrow(/failed its check/);
  });

  test('a native part that fails to load', async () => {
    const { loadOnnxRuntime } = freshRuntime({
      'onnxruntime-node/dist/version.js': version('1.30.0'),
      'onnxruntime-node/dist/binding.js': () => {
        throw new Error('libonnxruntime.so.1: cannot open shared object file: No such file or directory\n    at Module._extensions');
      },
    });
    await expect(loadOnnxRuntime(1)).rejects.toThrow(/^onnxruntime-node failed to load: libonnxruntime\.so\.1: cannot open shared object file: No such file or directory$/);
  });

  test('auto then trains on plain wasm and the backend line says why', async () => {
    jest.resetModules();
    jest.doMock('onnxruntime-node/dist/version.js', version('1.31.0'));
    const init = jest.requireActual('../src/node') as typeof import('../src/node');
    const tfjs = jest.requireActual('@tensorflow/tfjs') as typeof tf;
    const info: BackendInfo = await init.initBackend({ backend: 'auto', threads: 1 });
    expect(info).toMatchObject({ name: 'wasm', choice: 'wasm' });
    expect(info.onnxruntime).toBeUndefined();
    expect(tfjs.getBackend()).toBe('wasm');
    const line = init.describeBackend(info);
    expect(line).toMatch(/^backend: wasm on CPU \(1 thread\); skipped .*onnxruntime \(onnxruntime-node 1\.31\.0 is installed; @zoo\/backend uses the private binding of 1\.30\.0 only\)$/);
    await expect(init.initBackend({ backend: 'onnxruntime', threads: 1 })).rejects.toThrow(
      "backend 'onnxruntime' cannot start here (onnxruntime: onnxruntime-node 1.31.0 is installed; @zoo/backend uses the private binding of 1.30.0 only)",
    );
  });
});
