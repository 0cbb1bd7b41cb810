#!/usr/bin/env node
import { runCli } from './run-cli.js';

// A file-size limit (ulimit -f) then fails the write with EFBIG, which is reported like a full
// disk, instead of the signal killing the process with no word.
process.on('SIGXFSZ', () => undefined);
// A stdout closed early (tcesim report LOG | head) is not an error worth a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

process.exitCode = await runCli(process.argv.slice(2), (l) => console.log(l), (l) => console.error(l));
