import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** A device's nominal ceilings for the roofline, and where each number came from. */
export interface NominalRoofs {
  device: string;
  peakGflops: number;
  bandwidthGbs: number;
  peakSource: string;
  bandwidthSource: string;
  /** What the active backend can reach of that peak, when it is less (wasm's 128-bit SIMD, one thread). */
  backendCeiling?: { gflops: number; why: string };
}

export interface HostCpu {
  model: string;
  cores: number;
  mhz: number;
  flags: ReadonlySet<string>;
}

export function probeCpu(): HostCpu {
  const list = cpus();
  let info = '';
  try {
    info = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    // Not Linux: the speed os.cpus() reports is all there is.
  }
  const mhzLine = /^cpu MHz\s*:\s*([\d.]+)/m.exec(info);
  const flagsLine = /^flags\s*:\s*(.*)$/m.exec(info);
  return {
    model: list[0]?.model.trim() ?? 'unknown CPU',
    cores: list.length,
    mhz: list[0]?.speed || (mhzLine ? Number(mhzLine[1]) : 0) || 2000,
    flags: new Set(flagsLine ? flagsLine[1].split(/\s+/) : []),
  };
}

/** FP32 FLOPs one core of this CPU can retire per cycle: its widest fused multiply-add, on two ports. */
export function hardwareFlopsPerCycle(flags: ReadonlySet<string>): { value: number; why: string } {
  if (flags.has('avx512f') && flags.has('fma')) return { value: 64, why: 'AVX-512 FMA: 16 lanes x 2 FLOPs x 2 ports' };
  if (flags.has('avx2') && flags.has('fma')) return { value: 32, why: 'AVX2 FMA: 8 lanes x 2 FLOPs x 2 ports' };
  return { value: 8, why: 'SSE: 4 lanes x 2 ports' };
}

/**
 * What a backend's kernels can issue per cycle and on how many threads, when that is less than the
 * hardware: wasm SIMD is 128 bits wide (4 lanes) without fused multiply-add, and the pure-JS
 * backend is scalar; native TensorFlow uses the hardware's full width.
 */
export function backendCeiling(backend: { name: string; threads: number }, cpu: HostCpu): { gflops: number; why: string } | undefined {
  const ghz = cpu.mhz / 1000;
  const threads = Math.max(1, Math.min(backend.threads, cpu.cores));
  const per = backend.name === 'wasm' ? { value: 8, why: 'wasm SIMD128: 4 fp32 lanes x 2 ports, no FMA' } : backend.name === 'cpu' ? { value: 2, why: 'scalar JavaScript' } : undefined;
  if (!per) return undefined;
  return { gflops: threads * ghz * per.value, why: `${threads} thread${threads === 1 ? '' : 's'} x ${ghz.toFixed(2)} GHz x ${per.value} FLOP/cycle (${per.why})` };
}

/** Vendor datasheet FP32 peak (GFLOP/s) and memory bandwidth (GB/s) of common CUDA GPUs. */
const GPUS: readonly { match: RegExp; peakGflops: number; bandwidthGbs: number }[] = [
  { match: /H200/i, peakGflops: 67_000, bandwidthGbs: 4_800 },
  { match: /H100.*PCIe/i, peakGflops: 51_000, bandwidthGbs: 2_000 },
  { match: /H100/i, peakGflops: 67_000, bandwidthGbs: 3_350 },
  { match: /A100.*80GB/i, peakGflops: 19_500, bandwidthGbs: 2_039 },
  { match: /A100/i, peakGflops: 19_500, bandwidthGbs: 1_555 },
  { match: /L40S/i, peakGflops: 91_600, bandwidthGbs: 864 },
  { match: /L4\b/i, peakGflops: 30_300, bandwidthGbs: 300 },
  { match: /V100/i, peakGflops: 15_700, bandwidthGbs: 900 },
  { match: /T4\b/i, peakGflops: 8_100, bandwidthGbs: 320 },
  { match: /4090/i, peakGflops: 82_600, bandwidthGbs: 1_008 },
  { match: /3090/i, peakGflops: 35_600, bandwidthGbs: 936 },
];
const DEFAULT_GPU = { name: 'NVIDIA A100 40GB (assumed)', peakGflops: 19_500, bandwidthGbs: 1_555 };
/** Dual-channel DDR4-3200: a common nominal figure; a VM's share of a server socket is unknowable. */
const DEFAULT_CPU_BANDWIDTH_GBS = 51.2;

function gpuName(): string | undefined {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
    return out.split('\n')[0]?.trim() || undefined;
  } catch {
    return undefined;
  }
}

export interface RoofOverrides {
  peakGflops?: number;
  bandwidthGbs?: number;
}

/** Nominal peak compute and bandwidth for the backend in use; flags override either number. */
export function nominalRoofs(
  backend: { name: string; device: string; threads: number },
  overrides: RoofOverrides = {},
  probe: { cpu?: HostCpu; gpuName?: string | null } = {},
): NominalRoofs {
  let device: string;
  let peakGflops: number;
  let bandwidthGbs: number;
  let peakSource: string;
  let bandwidthSource: string;
  let ceiling: NominalRoofs['backendCeiling'];
  if (backend.device === 'gpu') {
    const name = probe.gpuName === undefined ? gpuName() : (probe.gpuName ?? undefined);
    const known = name ? GPUS.find((g) => g.match.test(name)) : undefined;
    const gpu = known && name ? { name, ...known } : DEFAULT_GPU;
    device = gpu.name;
    peakGflops = gpu.peakGflops;
    bandwidthGbs = gpu.bandwidthGbs;
    peakSource = known ? 'datasheet FP32 peak' : 'no known GPU detected; A100 datasheet figures assumed';
    bandwidthSource = known ? 'datasheet memory bandwidth' : peakSource;
  } else {
    const cpu = probe.cpu ?? probeCpu();
    const perCycle = hardwareFlopsPerCycle(cpu.flags);
    device = `${cpu.model}, ${cpu.cores} core${cpu.cores === 1 ? '' : 's'}`;
    peakGflops = (cpu.cores * cpu.mhz * perCycle.value) / 1000;
    peakSource = `${cpu.cores} core${cpu.cores === 1 ? '' : 's'} x ${(cpu.mhz / 1000).toFixed(2)} GHz x ${perCycle.value} FLOP/cycle (${perCycle.why})`;
    ceiling = backendCeiling(backend, cpu);
    bandwidthGbs = DEFAULT_CPU_BANDWIDTH_GBS;
    bandwidthSource = 'nominal dual-channel DDR4-3200; not measured';
  }
  if (overrides.peakGflops !== undefined) {
    peakGflops = overrides.peakGflops;
    peakSource = '--peak-gflops';
  }
  if (overrides.bandwidthGbs !== undefined) {
    bandwidthGbs = overrides.bandwidthGbs;
    bandwidthSource = '--bandwidth-gbs';
  }
  const roofs: NominalRoofs = { device, peakGflops, bandwidthGbs, peakSource, bandwidthSource };
  if (ceiling && ceiling.gflops < peakGflops) roofs.backendCeiling = ceiling;
  return roofs;
}
