#!/usr/bin/env node
// Prints, as JSON, the parameters (name → shape) of every model in the given .tfm files, as the
// tfmc IR names them. make_fixtures.py checks its PyTorch state_dict names against this.
// Usage (after `npm run build`): node scripts/parity/dump-params.mjs FILE.tfm...
import { checkFile } from '../../dist/index.js';

const out = {};
for (const file of process.argv.slice(2)) {
  const r = checkFile(file);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) {
    console.error(`${file}: ${errors.map((d) => d.message).join('; ')}`);
    process.exit(1);
  }
  for (const m of r.models) out[m.name] = Object.fromEntries(m.params.map((p) => [p.name, p.shape]));
}
console.log(JSON.stringify(out));
