/**
 * `tfmc init [DIR]`: a new project — a starter spec (a tiny character-level decoder-only language
 * model that checks clean), a tiny corpus and a README with the next commands. Existing files are
 * never overwritten: if any of them exists, nothing is written. Writing is all-or-nothing: a
 * failure midway (a full disk, a permission, a file where a folder must go) leaves no part of the
 * project behind (`TFM6003`).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { displayPath } from '../render/paths.js';
import type { CliContext } from './context.js';
import { examples } from './options.js';

export function registerInit(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('init')
    .description('start a project: a tiny language-model spec, a small corpus and a README')
    .argument('[dir]', 'folder of the project (created if needed)', '.');
  cmd.addHelpText(
    'after',
    examples([
      ['tfmc init my-model', 'create my-model/ with model.tfm, data/corpus.txt, README.md'],
      ['tfmc init', 'the same in the current folder'],
    ]) + '\nExisting files are never overwritten: if one is in the way, nothing is written (exit status 1).\n',
  );
  cmd.action((dir: string) => {
    ctx.exitCode = runInit(ctx, dir);
  });
}

export function runInit(ctx: CliContext, dirArg: string): number {
  const dir = path.resolve(ctx.cwd, dirArg);
  const shown = displayPath(dir, ctx.cwd);
  const c = pc.createColors(ctx.colorErr);
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) {
    ctx.err(`${c.bold(c.red('error:'))} ${shown} exists and is not a folder; nothing was written\n`);
    return 1;
  }
  const files = starterFiles();
  const inTheWay = Object.keys(files).filter((f) => fs.existsSync(path.join(dir, f)));
  if (inTheWay.length) {
    ctx.err(`${c.bold(c.red('error:'))} ${inTheWay.map((f) => path.join(shown, f)).join(', ')} already exist${inTheWay.length === 1 ? 's' : ''}; tfmc init never overwrites files, so nothing was written. Choose another folder: tfmc init my-model\n`);
    return 1;
  }
  try {
    writeAllOrNothing(dir, files);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (err as Error).message;
    ctx.err(`${c.bold(c.red('error[TFM6003]:'))} cannot create the project in ${shown}: ${reason}; nothing was written\n`);
    return 1;
  }
  const cd = dirArg === '.' ? '' : `  cd ${shown}\n`;
  ctx.out(`created ${Object.keys(files).map((f) => displayPath(path.join(dir, f), ctx.cwd)).join(', ')}\n`);
  ctx.out(`next:\n${cd}  tfmc check model.tfm\n  tfmc train model.tfm --data data/corpus.txt --steps 300 --out runs/first\n  tfmc generate runs/first --prompt "The "\n`);
  return 0;
}

/**
 * Writes every file or none. The files are written into a staging folder first: a new project
 * folder is then one rename of the staging folder; into an existing folder each file is hard-linked
 * into place (a link never replaces a file that appeared meanwhile) and the staging folder removed.
 * On any failure the links made, the folders created and the staging folder are removed.
 */
function writeAllOrNothing(dir: string, files: Record<string, string>): void {
  const stamp = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const fresh = !fs.existsSync(dir);
  const createdParent = fresh ? fs.mkdirSync(path.dirname(dir), { recursive: true }) : undefined;
  const staging = fresh ? path.join(path.dirname(dir), `.${path.basename(dir)}.init-${stamp}`) : path.join(dir, `.tfmc-init-${stamp}`);
  const linked: string[] = [];
  const madeDirs: string[] = [];
  try {
    for (const [rel, text] of Object.entries(files)) {
      const file = path.join(staging, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text, { flag: 'wx' });
    }
    if (fresh) {
      fs.renameSync(staging, dir);
      return;
    }
    for (const rel of Object.keys(files)) {
      const target = path.join(dir, rel);
      const made = fs.mkdirSync(path.dirname(target), { recursive: true });
      if (made) madeDirs.unshift(made);
      fs.linkSync(path.join(staging, rel), target); // EEXIST rather than overwrite
      linked.push(target);
    }
    fs.rmSync(staging, { recursive: true, force: true });
  } catch (err) {
    for (const f of linked) fs.rmSync(f, { force: true });
    for (const d of madeDirs) fs.rmSync(d, { recursive: true, force: true });
    fs.rmSync(staging, { recursive: true, force: true });
    if (createdParent) fs.rmSync(createdParent, { recursive: true, force: true });
    throw err;
  }
}

function starterFiles(): Record<string, string> {
  return {
    'model.tfm': STARTER_SPEC,
    'data/corpus.txt': STARTER_CORPUS,
    'README.md': starterReadme(),
  };
}

const STARTER_SPEC = `// A tiny character-level GPT: a decoder-only Transformer that learns to continue text.
// Train it with: tfmc train model.tfm --data data/corpus.txt --steps 300 --out runs/first

model TinyLM {
  config {
    vocab   = 64     // at least 4 special tokens + the distinct characters of the data
    ctx     = 64     // longest sequence
    d_model = 48
    heads   = 4
    layers  = 2
    dropout = 0.0
  }

  input ids: int32[batch, seq] where seq <= ctx

  let wte = Embedding(vocab, d_model)
  let wpe = PositionEmbedding(ctx, d_model, kind: learned)
  let blocks = repeat layers {
    DecoderLayer(
      d_model, heads, d_ff: 4 * d_model, norm: pre, activation: gelu_tanh, dropout: dropout,
    )
  }
  let ln_f = LayerNorm(d_model)
  let lm_head = Linear(vocab, bias: false, tied: wte)

  output logits = lm_head(ln_f(blocks(wte(ids) + wpe(ids), self_mask: causal)))   // [batch, seq, vocab]
  loss next_token = cross_entropy(logits, shift_left(ids))
}
`;

const STARTER_CORPUS = `The river runs past the mill and under the old stone bridge.
In the morning the miller opens the doors and the wheel begins to turn.
The wheel turns, the stones grind, and the flour falls into the sacks.
At noon the miller eats bread by the water and watches the ducks.
In the evening the miller closes the doors and the wheel stands still.
The river does not stop. It runs past the mill all night, under the stars.
When it rains the river is loud and fast; when the sun shines it is slow and bright.
The children of the village come to the bridge to throw sticks into the water.
They run to the other side to see whose stick comes out first.
The miller laughs and says the river always wins.
`;

function starterReadme(): string {
  return `# A tfmc project

\`model.tfm\` is a tiny decoder-only language model written in the .tfm language; \`data/corpus.txt\`
is a small text to train it on. Replace the text with your own (a few hundred KB of plain text is
plenty for a model this size) and grow the model in its \`config\` block. In this folder:

\`\`\`sh
tfmc check model.tfm                       # errors and warnings, with shapes
tfmc summary model.tfm                     # parameters and FLOPs per layer
tfmc train model.tfm --data data/corpus.txt --steps 300 --out runs/first
tfmc generate runs/first --prompt "The " --max-new-tokens 80
\`\`\`

Training writes \`runs/first/\`: \`metrics.jsonl\`, a loss curve \`loss.svg\`, the tokenizer and a
checkpoint. Ctrl-C saves a checkpoint; add \`--resume\` to the same command to continue.
If the text has more distinct characters than \`vocab\` allows, \`tfmc train\` says which
\`--set vocab=N\` to use.
`;
}
