export { adapterLabel, describeAdapterInfo, type GpuAdapterInfo, type RawAdapterInfo } from './adapter';
export { browserGpu, WebGpuUnavailable, type GpuAdapterLike, type GpuLike, type GpuProvider } from './gpu';
export { startWebGpu, type StartWebGpuOptions } from './start';
