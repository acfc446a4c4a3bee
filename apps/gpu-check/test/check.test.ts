import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCheck, type Report } from '../src/check';
import { parseOptions } from '../src/options';
import { buildNetwork, D2L_PARAMETERS } from '../src/throughput';

let out: string;
beforeEach(async () => {
  out = await mkdtemp(join(tmpdir(), 'zoo-gpu-check-'));
});
afterEach(async () => {
  await rm(out, { recursive: true, force: true });
});

describe('the check, on wasm at its smallest sizes', () => {
  it('compares every gradient with cpu, times both networks with the trainer step, and writes the report', async () => {
    const options = parseOptions(['--quick', '--backend', 'wasm', '--steps', '2', '--out', out]);
    const lines: string[] = [];
    const { report, file, code } = await runCheck(options, { VK_DRIVER_FILES: '/icd.json' }, (line) => lines.push(line));
    expect(code).toBe(0);
    expect(report.error).toBeUndefined();
    expect(report.backend?.info.name).toBe('wasm');
    expect(report.vulkan.icdFiles).toBe('/icd.json');
    expect(report.gradients.map((g) => g.ok)).toEqual([true, true, true, true]);
    expect(report.throughput.map((t) => [t.model, t.inputSize, t.batch, t.stepMs.length])).toEqual([
      ['alexnet', 67, 4, 2],
      ['lenet5', 28, 16, 2],
    ]);
    for (const t of report.throughput) expect(Number.isFinite(t.lastLoss) && t.examplesPerSecond > 0).toBe(true);
    expect(report.throughput[1].parameters).toBe(D2L_PARAMETERS.lenet5);
    // A quarter-width AlexNet on the CPU is nothing to hold against D2L's GPU figure.
    expect(report.verdict).toMatchObject({ gradientsOk: true, comparableToD2L: false });
    expect(JSON.parse(readFileSync(file, 'utf8')) as Report).toEqual(JSON.parse(JSON.stringify(report)));
    expect(lines[0]).toMatch(/^backend: wasm on CPU/);
    expect(lines.at(-1)).toBe(`wrote ${file}`);
  });
});

describe('pieces of the check', () => {
  it("builds D2L's AlexNet and LeNet-5 from the registry, ending in logits", () => {
    const alexnet = buildNetwork('alexnet', 224);
    expect(alexnet.countParams()).toBe(D2L_PARAMETERS.alexnet);
    expect(alexnet.layers.at(-1)?.getConfig().activation).toBe('linear');
    alexnet.dispose();
    const lenet = buildNetwork('lenet5', 28);
    expect(lenet.countParams()).toBe(D2L_PARAMETERS.lenet5);
    lenet.dispose();
    const narrow = buildNetwork('alexnet', 67, 0.25);
    expect(narrow.inputs[0].shape).toEqual([null, 67, 67, 1]);
    expect(narrow.getLayer('conv1').getConfig().filters).toBe(24);
    narrow.dispose();
  });
});
