#!/usr/bin/env node
/**
 * Peak resident memory of a command and every process it starts (Linux, /proc), for runs whose work
 * is split over child processes: `/usr/bin/time`'s maximum RSS is that of the largest single process,
 * which understates a run whose models train in children of their own.
 *
 *   node apps/bench/scripts/tree-rss.mjs [--every MS] -- COMMAND [ARGS...]
 *
 * Samples every MS (default 100) milliseconds; prints, on stderr, the peak of the summed RSS of the
 * tree and each process's own peak (VmHWM, named by its command line), and exits with the
 * command's status. Put `/usr/bin/time -f '%e s wall, %U s user, %S s sys'` first in COMMAND for the
 * tree's CPU time: time waits for the tree, so its figures are the command's and not this sampler's.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
const split = argv.indexOf('--');
if (split < 0 || split === argv.length - 1) {
  process.stderr.write('usage: node tree-rss.mjs [--every MS] -- COMMAND [ARGS...]\n');
  process.exit(2);
}
const everyAt = argv.indexOf('--every');
const every = everyAt >= 0 && everyAt < split ? Number(argv[everyAt + 1]) : 100;
if (!(every > 0)) {
  process.stderr.write(`--every: got ${JSON.stringify(argv[everyAt + 1])}; expected milliseconds above 0\n`);
  process.exit(2);
}
const [command, ...args] = argv.slice(split + 1);

const read = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process ended between the listing and the read
  }
};
const kib = (status, field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);

/** Every live process with its parent. */
function processes() {
  const all = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = read(`/proc/${name}/stat`);
    // The command name in parentheses may hold spaces; the parent's pid is the second field after it.
    const ppid = stat === undefined ? undefined : Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid !== undefined) all.set(Number(name), ppid);
  }
  return all;
}

function descendants(root) {
  const all = processes();
  const tree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of all) {
      if (!tree.has(pid) && tree.has(ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return tree;
}

const child = spawn(command, args, { stdio: 'inherit' });
let peakSum = 0;
/** pid → { name, hwm } */
const peaks = new Map();

function sample() {
  let sum = 0;
  for (const pid of descendants(child.pid)) {
    const status = read(`/proc/${pid}/status`);
    if (status === undefined) continue;
    sum += kib(status, 'VmRSS');
    const name = (read(`/proc/${pid}/cmdline`) ?? '').split('\0').filter(Boolean).join(' ').slice(0, 100);
    const hwm = kib(status, 'VmHWM');
    const seen = peaks.get(pid);
    if (!seen || hwm > seen.hwm) peaks.set(pid, { name: name || seen?.name || String(pid), hwm });
  }
  peakSum = Math.max(peakSum, sum);
}

const timer = setInterval(sample, every);
child.on('exit', (code, signal) => {
  clearInterval(timer);
  const mib = (k) => `${(k / 1024).toFixed(0)} MiB`;
  process.stderr.write(`tree-rss: peak of the summed RSS ${mib(peakSum)} (sampled every ${every} ms)\n`);
  for (const [pid, { name, hwm }] of [...peaks].sort((a, b) => b[1].hwm - a[1].hwm)) {
    if (hwm > 0) process.stderr.write(`tree-rss:   ${mib(hwm).padStart(9)}  ${pid}  ${name}\n`);
  }
  process.exit(code ?? 128 + (signal === 'SIGKILL' ? 9 : 15));
});
