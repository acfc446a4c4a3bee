// module-file.ts for the ESM build (see there).
import { fileURLToPath } from 'node:url';

export const moduleFile = (): string => fileURLToPath(import.meta.url);
