import { BackendUnavailableError, initBackend, type BackendChoice, type BackendInfo } from '@zoo/backend';
import { UsageError } from './errors';

/** The flag or variable the backend choice came from, to name it in an error. */
function backendSource(choice: string | undefined): string {
  return choice === undefined && process.env.ZOO_BACKEND?.trim() ? 'ZOO_BACKEND' : '--backend';
}

/** Starts the backend asked for; one that cannot start is a UsageError naming the flag or variable. */
export async function startBackend(choice: string | undefined): Promise<BackendInfo> {
  try {
    return await initBackend(choice === undefined ? {} : { backend: choice as BackendChoice });
  } catch (err) {
    if (err instanceof BackendUnavailableError) throw new UsageError(`${backendSource(choice)}: ${err.message}; expected one that starts here (try auto)`);
    // The backend's own checks of ZOO_BACKEND and ZOO_WASM_THREADS name the variable first.
    if (err instanceof RangeError && /^(ZOO_\w+|backend option|threads option):/.test(err.message)) throw new UsageError(err.message);
    throw err;
  }
}

