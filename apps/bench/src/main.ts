/** `pnpm bench`: forks one child per backend, runs the PyTorch peer, prints the table, writes JSON. */
import { fork } from 'node:child_process';
import { cpus } from 'node:os';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '@zoo/fs/node';
import { CommanderError } from 'commander';
import { childEnv, childExecArgv } from './child-env';
import { parseBenchArgs } from './cli';
import type { ChildJob, ChildMessage } from './protocol';
import { defaultPython, probePytorch, runPytorchPeer } from './pytorch';
import { formatReport } from './report';
import { runBench } from './run';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const peerScript = fileURLToPath(new URL('../pytorch/throughput.py', import.meta.url));

/** Whether the line about the onnxruntime children's environment has been printed (once a run). */
let toldEnv = false;

function runChild(job: ChildJob, onMessage: (m: ChildMessage) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    // Each child starts with the environment compare's workers get on its backend (glibc's malloc
    // tunables for onnxruntime, where glibc reads them), so the bench measures what a run trains with.
    const { env, note } = childEnv(job.backend);
    if (note && !toldEnv) {
      toldEnv = true;
      process.stderr.write(`[${job.backend}] ${note}\n`);
    }
    const child = fork(`${here}/child.js`, [], { env, execArgv: childExecArgv(job.replicas ?? [1]), stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
    let done = false;
    // tfjs-node loaded after tfjs-node-gpu failed re-registers ~150 kernels, one warning each; one
    // line saying so is enough, and TF.js's tfjs-node banner is noise here; the rest passes through.
    let duplicates = 0;
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      const kept = chunk.split('\n').filter((line) => {
        if (/^The kernel '.+' for backend '.+' is already registered$/.test(line)) {
          duplicates++;
          return false;
        }
        // TF.js's banner recommending tfjs-node, printed by the pure-JS backend's child.
        return !/^=+$|^Hi, looks like you are running TensorFlow\.js in Node\.js/.test(line);
      });
      if (kept.some((line) => line.length > 0)) process.stderr.write(kept.join('\n'));
    });
    child.on('exit', () => {
      if (duplicates > 0) process.stderr.write(`[${job.backend}] (${duplicates} "kernel already registered" warnings from TF.js not shown)\n`);
    });
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'done') done = true;
      onMessage(m);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (done) resolve();
      else reject(new Error(`exited with ${signal ?? `code ${code}`} before finishing`));
    });
    child.send(job);
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2).filter((a) => a !== '--');
  let options;
  try {
    options = parseBenchArgs(argv, { out: `${repoRoot}bench/results.json`, python: defaultPython(), cores: cpus().length });
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode);
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const command = ['pnpm bench', ...argv].join(' ');
  const report = await runBench(options, command, {
    runChild,
    probePytorch: (python) => probePytorch(python, peerScript),
    runPeer: (job, onProgress) => runPytorchPeer(options.python, peerScript, job, onProgress),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  await writeFileAtomic(options.out, `${JSON.stringify(report, null, 2)}\n`);
  const shown = relative(process.cwd(), options.out);
  process.stdout.write(`${formatReport(report)}\n\nwrote ${shown.startsWith('..') || shown === '' ? options.out : shown}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
