#!/usr/bin/env node
import { systemErrorText } from '../events/write-error.js';
import { startEarlyThreads } from './early-threads.js';

// A file-size limit (ulimit -f) then fails the write with EFBIG, which is reported like a full
// disk, instead of the signal killing the process with no word.
process.on('SIGXFSZ', () => undefined);
// A stdout closed early (tcesim report LOG | head) is not an error worth a stack trace: quit
// quietly with the command's exit code (every command prints once its work is done, so it is set).
// Any other failure to write stdout (a full disk, /dev/full) is one line on stderr, exit 1.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  process.stderr.write(`tcesim: cannot write the standard output: ${systemErrorText(e)}\n`);
  process.exit(1);
});

// A run's threads start before the rest of the CLI is loaded (early-threads.ts): hence the import below.
await startEarlyThreads(process.argv.slice(2));
const { runCli } = await import('./run-cli.js');
process.exitCode = await runCli(process.argv.slice(2), (l) => console.log(l), (l) => console.error(l));
