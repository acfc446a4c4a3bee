import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

// The stream runs in a child process, for two reasons: its peak RSS is then the pipeline's alone,
// not jest's; and tfjs kernels run at full speed there (in jest's vm context every access to a
// global such as Math is ~100x slower, which makes cpu-backend resizing crawl).
const run = promisify(execFile);
const packageDir = join(__dirname, '..');

const linux = process.platform === 'linux';
if (!linux) console.log('Skipping the peak-RSS test: it reads /proc/self/status, which only Linux has.');

(linux ? describe : describe.skip)('memory at 224x224, batch 128', () => {
  it('streams a 60,000-image split with peak RSS far below 1.5 GB and no tensor left behind', async () => {
    // Random bytes stand in for images (memory does not depend on pixel values) so the test runs
    // without the data; a whole real epoch is `pnpm --filter @zoo/datasets bench` (docs/performance.md).
    const args = ['--import', 'tsx', 'scripts/bench-pipeline.ts', '--data', 'random', '--backend', 'wasm'];
    const { stdout } = await run(process.execPath, [...args, '--resize', '224', '--batch', '128', '--batches', '40', '--augment', '--max-rss-mib', '1536'], {
      cwd: packageDir,
      // Well inside the test's own timeout, so a stuck run fails here and leaves nothing behind.
      timeout: 100_000,
      killSignal: 'SIGKILL',
    });
    const report = JSON.parse(stdout.trim().split('\n').pop() as string);
    console.log(`peak RSS ${report.peakRssMiB} MiB streaming ${report.images} images at 224x224 on ${report.backend}`);
    expect(report).toMatchObject({ resize: 224, batchSize: 128, batches: 40, images: 5120, tensorsLeaked: 0 });
    expect(report.peakRssMiB).toBeLessThan(1536);
  });
});
