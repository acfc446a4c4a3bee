/**
 * Kill injection for the crash tests, preloaded with NODE_OPTIONS=--require (in the main thread and
 * in every worker thread and child process): KILL_AT=<op>:<text>[:<n>] SIGKILLs the run, as kill -9
 * or a power cut would, at the n-th (default first) fs.promises call `op` (rename, mkdir, open,
 * writeFile, rm) whose path argument contains `text`, before that call runs. In a worker thread
 * that is the whole process; in a worker child process (one forked with an IPC channel) its parent
 * goes first, then the child. With KILL_ONE=1 only the process that makes the call dies, as when
 * the OOM killer picks a worker's child process. The program itself has no hook: this file wraps
 * node:fs for the test's processes only.
 */
const fs = require('node:fs');
const { syncBuiltinESMExports } = require('node:module');

const spec = process.env.KILL_AT;
if (spec) {
  const [op, text, nth = '1'] = spec.split(':');
  const original = fs.promises[op];
  if (typeof original !== 'function') throw new Error(`KILL_AT: no fs.promises.${op}`);
  let seen = 0;
  fs.promises[op] = function (...args) {
    if (args.some((a) => typeof a === 'string' && a.includes(text)) && ++seen === Number(nth)) {
      if (typeof process.send === 'function' && process.env.KILL_ONE !== '1') process.kill(process.ppid, 'SIGKILL');
      process.kill(process.pid, 'SIGKILL');
    }
    return original.apply(this, args);
  };
  // `import { rename } from 'node:fs/promises'` reads the patched function too.
  syncBuiltinESMExports();
}
