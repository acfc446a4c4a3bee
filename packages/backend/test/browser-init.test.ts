// The browser build's initBackend, run under Node: no navigator.gpu and no document, so auto must
// pass over WebGPU and WebGL with their reasons and start wasm, as a browser without either would.
import * as tf from '@tensorflow/tfjs';
import * as browser from '../src';
import * as node from '../src/node';

describe("the browser build's initBackend", () => {
  it('offers the browser backends, and says where native TensorFlow runs', async () => {
    expect(browser.BACKEND_CHOICES).toEqual(['auto', 'webgpu', 'webgl', 'wasm', 'cpu']);
    await expect(browser.initBackend({ backend: 'tensorflow' })).rejects.toThrow(
      "backend option: backend 'tensorflow' is native TensorFlow (@tensorflow/tfjs-node), which runs only in Node",
    );
    await expect(browser.initBackend({ backend: 'onnxruntime' })).rejects.toThrow(
      "backend option: backend 'onnxruntime' is ONNX Runtime's native kernels (onnxruntime-node), which run only in Node",
    );
  });

  it('auto skips WebGPU and WebGL where the page has neither, with reasons, and starts wasm with the training kernels', async () => {
    const info = await browser.initBackend({ threads: 1 });
    expect(info.name).toBe('wasm');
    expect(info.choice).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.fallbacks).toEqual([
      { name: 'webgpu', reason: 'this browser has no WebGPU (navigator.gpu)' },
      { name: 'webgl', reason: 'this browser gives the page no WebGL context' },
    ]);
    expect(browser.describeBackend(info)).toMatch(/^backend: wasm on CPU \(1 thread\); skipped webgpu \(this browser has no WebGPU/);
    // Conv2DBackpropFilter is the kernel wasm lacks; training needs it.
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it('asking for webgl by name where there is none is an error that says why', async () => {
    await expect(browser.initBackend({ backend: 'webgl' })).rejects.toThrow(
      "backend 'webgl' cannot start here (webgl: this browser gives the page no WebGL context)",
    );
  });
});

describe("the Node build's initBackend", () => {
  it('offers the Node backends, and says WebGL needs a browser', async () => {
    expect(node.BACKEND_CHOICES).toEqual(['auto', 'tensorflow', 'webgpu', 'onnxruntime', 'wasm', 'cpu']);
    await expect(node.initBackend({ backend: 'webgl' })).rejects.toThrow("backend option: backend 'webgl' needs a browser (WebGL)");
  });
});
