// The option parsing of the example scripts: `--name value` for each key of `defaults`, numbers
// where the default is a number (or the key is listed in `numeric`), bare `--flag` for booleans.
// An unknown option prints the known ones and exits with status 2.
export function parseArgs(argv, defaults, numeric = []) {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in defaults)) {
      console.error(`unknown option ${argv[i]}; options: ${Object.keys(defaults).map((k) => `--${k}`).join(' ')}`);
      process.exit(2);
    }
    if (typeof defaults[key] === 'boolean') out[key] = true;
    else out[key] = typeof defaults[key] === 'number' || numeric.includes(key) ? Number(argv[++i]) : argv[++i];
  }
  return out;
}
