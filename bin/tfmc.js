#!/usr/bin/env node
// The installed `tfmc` command: a thin shim over the compiled CLI in dist/ (`npm run build`).
let cli;
try {
  cli = await import('../dist/cli/main.js');
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli/main.js')) {
    process.stderr.write('error: tfmc is not built; run `npm run build` first\n');
    process.exit(1);
  }
  throw err;
}
// EPIPE (e.g. `tfmc summary x.tfm | head`) means the reader is gone: stop quietly.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
process.exitCode = await cli.main(process.argv.slice(2));
