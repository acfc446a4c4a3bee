import { parseOptions } from '../src/options';

describe('parseOptions', () => {
  it("defaults to D2L's full sizes on webgpu, written to $OUT or the current folder", () => {
    const o = parseOptions([], { OUT: '/results' }, '/here');
    expect(o).toMatchObject({ quick: false, out: '/results', backend: 'webgpu', warmup: 5, steps: 20, alexnetBatch: 128, alexnetSize: 224, alexnetWidth: 1, lenetBatch: 256 });
    expect(parseOptions([], {}, '/here').out).toBe('/here');
  });

  it('--quick shrinks every size, and later flags override it', () => {
    const o = parseOptions(['--quick', '--steps', '7', '--backend', 'wasm', '--flag', 'WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE=32', '--flag', 'X=false'], {}, '/');
    expect(o).toMatchObject({ quick: true, alexnetSize: 67, alexnetWidth: 0.25, alexnetBatch: 4, lenetBatch: 16, warmup: 1, steps: 7, backend: 'wasm' });
    expect(o.flags).toEqual({ WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE: 32, X: false });
  });

  it('names the flag and what it expected when a value is wrong', () => {
    expect(() => parseOptions(['--steps', '0'])).toThrow("--steps: expected a positive integer, received '0'");
    expect(() => parseOptions(['--lenet-batch'])).toThrow("--lenet-batch: expected a positive integer, received ''");
    expect(() => parseOptions(['--backend', 'webgl'])).toThrow("--backend: expected one of webgpu, wasm, onnxruntime, tensorflow, received 'webgl'");
    expect(() => parseOptions(['--flag', 'NOVALUE'])).toThrow("--flag: expected NAME=VALUE, received 'NOVALUE'");
    expect(() => parseOptions(['--flag', 'A=fast'])).toThrow("--flag A: expected true, false or a number, received 'fast'");
    expect(() => parseOptions(['--out'])).toThrow('--out: expected a folder');
    expect(() => parseOptions(['--icd', 'x'])).toThrow("unknown argument '--icd'");
  });
});
