export { adapterLabel, describeAdapterInfo, type GpuAdapterInfo, type RawAdapterInfo } from './adapter';
export { provideNavigatorGpu, releaseNavigatorGpu, WebGpuUnavailable } from '../node/dawn';
export { startWebGpu, type StartWebGpuOptions } from './start';
