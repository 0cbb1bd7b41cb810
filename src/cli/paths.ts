import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (this file is dist/src/cli/paths.js once built). */
export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The conformance vectors shipped with tcesim. */
export const BUNDLED_VECTORS = join(PACKAGE_ROOT, 'test', 'data', 'conformance');
