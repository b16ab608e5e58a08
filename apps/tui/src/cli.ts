/** The `batchwatch` executable: argv in, exit code out. */
// React's development build is several times slower and is chosen when React is first loaded (lazily, by
// the interactive mode): an installed CLI runs the production build unless told otherwise.
process.env.NODE_ENV ??= 'production';
const { main } = await import('./run.js');
const { ExitCode } = await import('./exit-codes.js');

// `batchwatch watch … | head`: once the reader is gone nothing more can be shown; end as interrupted.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  // EIO: the terminal hung up (SIGHUP); nothing can be shown there either.
  if (error.code === 'EPIPE' || error.code === 'EIO') process.exit(ExitCode.Interrupted);
  throw error;
});

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
process.exitCode = code;
// Idle keep-alive sockets or a paused stdin must not hold the exit back; a clean exit happens sooner.
setTimeout(() => process.exit(code), 500).unref();
