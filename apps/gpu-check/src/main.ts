/** The check's command line; bundled by scripts/prepare.mjs and run through the folder's run.sh. */
import { runCheck } from './check';
import { parseOptions, USAGE } from './options';

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  let options;
  try {
    options = parseOptions(argv);
  } catch (err) {
    console.error(`gpu-check: ${(err as Error).message}`);
    return 2;
  }
  return (await runCheck(options)).code;
}

// `pnpm --filter gpu-check start -- --quick` passes the `--` on.
main(process.argv.slice(2).filter((a) => a !== '--')).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(2);
  },
);
