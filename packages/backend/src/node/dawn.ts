import { existsSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { describeAdapterInfo } from '../webgpu/adapter';
import { WebGpuUnavailable, type GpuLike, type GpuProvider } from '../webgpu/gpu';
import { probeWebGpu, type WebGpuProbe } from './webgpu-probe';

export { WebGpuUnavailable, type GpuAdapterLike, type GpuLike } from '../webgpu/gpu';

interface WebgpuModule {
  create(options: string[]): GpuLike;
  globals: object;
}

interface NavigatorWithGpu {
  gpu?: GpuLike;
}

// Dawn's instance, and every device it made, lives only as long as something references the object
// `create` returned; navigator.gpu does, and so does this, so that a caller replacing navigator
// cannot pull the GPU out from under live tensors.
let dawn: GpuLike | undefined;

function firstLine(text: string): string {
  return text.split('\n', 1)[0].trim();
}

function messageOf(err: unknown): string {
  return String((err as Error)?.message ?? err);
}

function isNotFound(err: unknown, pkg: string): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') && messageOf(err).includes(`'${pkg}'`);
}

/** A CommonJS loader refusing `webgpu`'s ES-module entry: Jest, or Node before 20.19. */
function isEsmRefusal(err: unknown): boolean {
  const error = err as NodeJS.ErrnoException;
  return error?.code === 'ERR_REQUIRE_ESM' || (error?.name === 'SyntaxError' && /import statement|import\.meta|export/.test(messageOf(err)));
}

/**
 * Loads the `webgpu` package (Dawn's Node binding). Its entry point is an ES module that only picks
 * the platform's `dawn.node`; where the loader cannot run ES modules, that addon is loaded directly.
 */
async function importWebgpu(): Promise<WebgpuModule> {
  try {
    return (await import('webgpu')) as unknown as WebgpuModule;
  } catch (err) {
    if (isNotFound(err, 'webgpu')) throw new WebGpuUnavailable('the webgpu package (Dawn for Node) is not installed');
    if (!isEsmRefusal(err)) throw new WebGpuUnavailable(`webgpu failed to load: ${firstLine(messageOf(err))}`);
  }
  // Only CommonJS loaders reach this point, so `require` is theirs (and Jest's, under Jest).
  try {
    const root = dirname(require.resolve('webgpu/package.json'));
    const platform = process.platform === 'darwin' ? 'darwin-universal' : `${process.platform}-${process.arch}`;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a native addon has no ES-module form
    return require(join(root, 'dist', platform, 'dawn.node')) as WebgpuModule;
  } catch (err) {
    throw new WebGpuUnavailable(`webgpu's Dawn binary failed to load: ${firstLine(messageOf(err))}`);
  }
}

function globalNavigator(): NavigatorWithGpu | undefined {
  return (globalThis as { navigator?: NavigatorWithGpu }).navigator;
}

/** What {@link vulkanLoaderMissing} looks at; tests pass their own. */
export interface LoaderSearch {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  /** The dynamic linker's cache (/etc/ld.so.cache), or undefined when it cannot be read. */
  linkerCache(): Buffer | undefined;
  exists(path: string): boolean;
}

const VULKAN_LOADER = 'libvulkan.so.1';
const NO_LOADER = `no Vulkan loader (${VULKAN_LOADER}) for Dawn: apt-get install libvulkan1 and a driver (mesa-vulkan-drivers, or the GPU vendor's)`;

const systemSearch: LoaderSearch = {
  platform: process.platform,
  env: process.env,
  linkerCache: () => {
    try {
      return readFileSync('/etc/ld.so.cache');
    } catch {
      return undefined;
    }
  },
  exists: existsSync,
};

/**
 * Whether Linux certainly has no Vulkan loader for Dawn to open, found the way the dynamic linker
 * looks (LD_LIBRARY_PATH, its cache, the default folders). Dawn on Linux computes only through
 * Vulkan, and asked anyway it prints a warning with a path of its CI machine to stderr, the first
 * thing a newcomer would read; without the loader there is nothing to ask. Unsure means no.
 */
export function vulkanLoaderMissing(search: LoaderSearch = systemSearch): boolean {
  if (search.platform !== 'linux') return false;
  const cache = search.linkerCache();
  if (cache === undefined) return false;
  if (cache.includes(VULKAN_LOADER)) return false;
  const dirs = [...(search.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), '/lib', '/usr/lib', '/lib64', '/usr/lib64'];
  return !dirs.some((dir) => search.exists(join(dir, VULKAN_LOADER)));
}

/**
 * For `auto`, which takes WebGPU only on a GPU: refuses (with the one-line reason) unless Dawn's
 * adapter here is hardware, found by `probe` in a child process, so that Dawn starts in this process
 * (and prints its warnings to its stderr) only when the run will compute on it. A `navigator.gpu`
 * that already exists (a browser-like platform's, or Dawn's from an earlier call) is asked directly
 * by `startWebGpu` instead.
 */
export async function requireHardwareAdapter(probe: () => Promise<WebGpuProbe> = () => probeWebGpu()): Promise<void> {
  if (globalNavigator()?.gpu) return;
  // In this process, so that a missing or broken package is named as such (and mocks see it).
  await importWebgpu();
  if (vulkanLoaderMissing()) throw new WebGpuUnavailable(NO_LOADER);
  const answer = await probe();
  if (!answer.found) throw new WebGpuUnavailable(answer.reason);
  const info = describeAdapterInfo(answer.info);
  if (info.software) throw new WebGpuUnavailable(`only a software adapter '${info.description}' (slower than wasm)`);
}

/**
 * The `navigator.gpu` TF.js's WebGPU backend will use: the platform's own where it has one (a browser,
 * Deno, Electron, or an earlier call), otherwise a Dawn instance from the `webgpu` package, installed
 * as `navigator.gpu` with the `GPUBufferUsage`-style globals the backend's code refers to.
 */
export async function provideNavigatorGpu(): Promise<GpuLike> {
  const existing = globalNavigator()?.gpu;
  if (existing) return existing;
  const webgpu = await importWebgpu();
  if (vulkanLoaderMissing()) throw new WebGpuUnavailable(NO_LOADER);
  let gpu: GpuLike;
  try {
    gpu = webgpu.create([]);
  } catch (err) {
    throw new WebGpuUnavailable(`Dawn failed to start: ${firstLine(messageOf(err))}`);
  }
  Object.assign(globalThis, webgpu.globals);
  // Node 20 has no navigator at all; Node 21+ has one without `gpu`.
  if (globalNavigator() === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: {}, writable: true, configurable: true, enumerable: true });
  }
  Object.defineProperty(globalNavigator(), 'gpu', { value: gpu, writable: true, configurable: true, enumerable: true });
  dawn = gpu;
  return gpu;
}

/**
 * Drops the Dawn instance this package created, if nothing computes on it: used when WebGPU was only
 * probed (auto found a software adapter, or none), so the process does not keep a GPU instance it
 * will not use. A no-op for a platform-provided `navigator.gpu`.
 */
export function releaseNavigatorGpu(): void {
  const nav = globalNavigator();
  if (dawn !== undefined && nav?.gpu === dawn) delete nav.gpu;
  dawn = undefined;
}

/** Dawn's WebGPU for {@link startWebGpu}: the platform's own `navigator.gpu` where it has one, else Dawn's. */
export const dawnGpu: GpuProvider = { provide: provideNavigatorGpu, release: releaseNavigatorGpu };
