import { chooseIsolation } from '../src/isolation';

const ort = { name: 'wasm', choice: 'onnxruntime' } as const;
const wasm = { name: 'wasm', choice: 'wasm' } as const;
const tensorflow = { name: 'tensorflow', choice: 'tensorflow' } as const;

describe('chooseIsolation', () => {
  it("trains wasm + onnxruntime in child processes where glibc's malloc tunables apply, and says why", () => {
    expect(chooseIsolation(ort, undefined, true)).toEqual({
      kind: 'process',
      why: "one child process each: ONNX Runtime's outputs copy faster with glibc's malloc kept off mmap, set when a process starts",
    });
  });

  it('keeps wasm + onnxruntime in threads where they do not (musl, macOS, Windows)', () => {
    expect(chooseIsolation(ort, undefined, false)).toEqual({ kind: 'thread', why: 'one worker thread each' });
  });

  it('keeps plain wasm in threads, whatever the C library', () => {
    expect(chooseIsolation(wasm, undefined, true)).toEqual({ kind: 'thread', why: 'one worker thread each' });
  });

  it('puts the native backends in processes, naming the upstream issue', () => {
    expect(chooseIsolation(tensorflow, undefined, true)).toEqual({
      kind: 'process',
      why: "one child process each: the tensorflow backend's native addon does not run in several threads of a process, tensorflow/tfjs#8388",
    });
    expect(chooseIsolation({ name: 'webgpu', choice: 'webgpu' }, undefined, false).kind).toBe('process');
  });

  it('does as --isolation says, and says what threads cost ONNX Runtime', () => {
    expect(chooseIsolation(ort, 'thread', true)).toEqual({ kind: 'thread', why: "one worker thread each: --isolation thread, so ONNX Runtime runs without glibc's malloc tunables" });
    expect(chooseIsolation(ort, 'thread', false)).toEqual({ kind: 'thread', why: 'one worker thread each' });
    expect(chooseIsolation(tensorflow, 'thread', true)).toEqual({ kind: 'thread', why: 'one worker thread each' });
    expect(chooseIsolation(wasm, 'process', true)).toEqual({ kind: 'process', why: 'one child process each: --isolation process' });
    expect(chooseIsolation(ort, 'process', false)).toEqual({ kind: 'process', why: 'one child process each: --isolation process' });
  });
});
