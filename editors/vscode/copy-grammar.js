// The extension ships the repository's TextMate grammar (grammar/tfm.tmLanguage.json, the one
// source of truth): copied into syntaxes/ on `npm install` and before packaging.
const fs = require('node:fs');
const path = require('node:path');

const from = path.join(__dirname, '..', '..', 'grammar', 'tfm.tmLanguage.json');
const to = path.join(__dirname, 'syntaxes', 'tfm.tmLanguage.json');
fs.mkdirSync(path.dirname(to), { recursive: true });
fs.copyFileSync(from, to);
