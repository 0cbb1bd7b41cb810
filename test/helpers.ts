import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Project root (this file is dist/test/helpers.js once built). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const VECTORS = join(ROOT, 'test', 'data', 'conformance');
