import { BACKEND_CHOICES } from '@zoo/backend';
import { listModels } from '@zoo/models';
import { classifyCommand } from './commands/classify';
import { modelsCommand } from './commands/models';
import { summaryCommand } from './commands/summary';
import { sweepCommand } from './commands/sweep';
import { trainCommand } from './commands/train';
import { UsageError } from './errors';
import { checkFlags, parseCli } from './options';

export interface AppIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const defaultIo: AppIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Runs the command line; returns the exit status. */
export async function main(argv: readonly string[], workerUrl: URL, io: AppIo = defaultIo): Promise<number> {
  try {
    return await dispatch(argv, workerUrl, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`compare: ${err.message}`);
      return 2;
    }
    throw err;
  }
}

/** One command per file in commands/; the flags are checked before any of them starts a backend. */
async function dispatch(argv: readonly string[], workerUrl: URL, io: AppIo): Promise<number> {
  const parsed = parseCli(argv, BACKEND_CHOICES);
  if (parsed.kind === 'help') return 0;
  if (parsed.kind === 'classify') return classifyCommand(parsed.argv, io);
  checkFlags(parsed, listModels());
  switch (parsed.command) {
    case 'models':
      return modelsCommand(io);
    case 'summary':
      return summaryCommand(parsed, io);
    case 'sweep':
      return sweepCommand(parsed, argv, workerUrl, io);
    case 'train':
      return trainCommand(parsed, argv, workerUrl, io);
  }
}
