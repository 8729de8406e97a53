/**
 * The playground page: a `.tfm` editor whose text goes through tfmc's checker as you type
 * (diagnostics in the editor and as `tfmc check` prints them), the checked model's summary table
 * and graph, a forward pass or a few training steps in the browser, and the spec in the address
 * (`share.ts`) so a link reopens it.
 */
import { lintGutter, setDiagnostics } from '@codemirror/lint';
import { basicSetup, EditorView } from 'codemirror';
import type { ModelIR } from '../../src/ir/types.js';
import { checkSpec, FILE, type Checked } from './check.js';
import { EXAMPLES } from './examples.js';
import { drawGraph } from './graph.js';
import { tfmHighlighting } from './highlight.js';
import type { OutputNumbers } from './run.js';
import { specFromHash, specToHash } from './share.js';
import { summaryTable } from './summary.js';

/** Checking waits for a pause in typing this long. */
const CHECK_DELAY_MS = 250;
const TRAIN_STEPS = 8;

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
}

const ui = {
  example: byId<HTMLSelectElement>('example'),
  model: byId<HTMLSelectElement>('model'),
  share: byId<HTMLButtonElement>('share'),
  shareUrl: byId<HTMLInputElement>('share-url'),
  status: byId('status'),
  editor: byId('editor'),
  diagnostics: byId('diagnostics'),
  report: byId('report'),
  summary: byId('summary'),
  graphDepth: byId<HTMLSelectElement>('graph-depth'),
  graph: byId('graph'),
  forward: byId<HTMLButtonElement>('forward'),
  train: byId<HTMLButtonElement>('train'),
  runOutput: byId('run-output'),
};

let checked: Checked | undefined;
/** Counts analyses, so a slow graph drawn for an older text never replaces a newer one. */
let generation = 0;
let timer: ReturnType<typeof setTimeout> | undefined;

for (const e of EXAMPLES) ui.example.add(new Option(e.title, e.id));
ui.example.add(new Option('(your spec)', 'custom'));

const shared = specFromHash(location.hash);
const initial = shared ?? EXAMPLES[0].text;
ui.example.value = shared === undefined ? EXAMPLES[0].id : exampleOf(shared);

const view = new EditorView({
  parent: ui.editor,
  doc: initial,
  extensions: [
    basicSetup,
    lintGutter(),
    tfmHighlighting,
    EditorView.updateListener.of((u) => {
      if (!u.docChanged) return;
      clearTimeout(timer);
      timer = setTimeout(analyse, CHECK_DELAY_MS);
    }),
  ],
});

function exampleOf(text: string): string {
  return EXAMPLES.find((e) => e.text === text)?.id ?? 'custom';
}

function spec(): string {
  return view.state.doc.toString();
}

function setStatus(text: string): void {
  ui.status.textContent = text;
}

function selectedModel(): ModelIR | undefined {
  return checked?.models.find((m) => m.name === ui.model.value) ?? checked?.models[0];
}

/** Checks the text, then shows everything that follows from it. */
function analyse(): void {
  clearTimeout(timer);
  timer = undefined;
  const text = spec();
  const started = performance.now();
  checked = checkSpec(text);
  const ms = performance.now() - started;
  view.dispatch(setDiagnostics(view.state, checked.marks));
  history.replaceState(null, '', specToHash(text));
  ui.shareUrl.value = location.href;
  ui.example.value = exampleOf(text);
  showDiagnostics(checked);
  const models = checked.models.map((m) => m.name);
  const previous = ui.model.value;
  ui.model.replaceChildren(...models.map((n) => new Option(n, n)));
  if (models.includes(previous)) ui.model.value = previous;
  ui.model.hidden = models.length < 2;
  const errors = checked.diagnostics.filter((d) => d.severity === 'error').length;
  setStatus(`checked in ${ms.toFixed(0)} ms: ${errors === 0 ? `${models.length} model${models.length === 1 ? '' : 's'}` : `${errors} error${errors === 1 ? '' : 's'}`}`);
  showModel();
}

function showDiagnostics(c: Checked): void {
  ui.diagnostics.replaceChildren(
    ...c.diagnostics.map((d) => {
      const li = document.createElement('li');
      li.className = `diagnostic ${d.severity}`;
      const code = document.createElement('code');
      code.textContent = d.code;
      const at = d.primary.file === FILE ? ` (line ${d.primary.span.start.line})` : '';
      li.append(code, ` ${d.severity}: ${d.message}${at}`);
      return li;
    }),
  );
  ui.report.textContent = c.report || `✓ no problems: ${c.declared.length} model${c.declared.length === 1 ? '' : 's'} checked`;
  ui.report.className = c.diagnostics.some((d) => d.severity === 'error') ? 'report has-errors' : 'report';
}

/** The summary and graph of the selected model (or why there are none). */
function showModel(): void {
  const model = selectedModel();
  const mine = ++generation;
  ui.forward.disabled = ui.train.disabled = model === undefined;
  if (!model) {
    const why = checked && checked.declared.length === 0 ? 'The spec declares no model.' : 'Fix the errors above to see the model.';
    ui.summary.replaceChildren(paragraph(why));
    ui.graph.replaceChildren(paragraph(why));
    return;
  }
  ui.summary.replaceChildren(summaryTable(model));
  ui.graph.setAttribute('aria-busy', 'true');
  drawGraph(model, Number(ui.graphDepth.value))
    .then((svg) => {
      if (mine === generation) ui.graph.replaceChildren(svg);
    })
    .catch((err: unknown) => {
      if (mine === generation) ui.graph.replaceChildren(paragraph(`Could not draw the graph: ${(err as Error).message}`));
    })
    .finally(() => {
      if (mine === generation) ui.graph.removeAttribute('aria-busy');
    });
}

function paragraph(text: string): HTMLParagraphElement {
  const p = document.createElement('p');
  p.className = 'placeholder';
  p.textContent = text;
  return p;
}

const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(4));

async function runForward(): Promise<void> {
  const model = selectedModel();
  if (!model) return;
  ui.runOutput.textContent = 'running a forward pass…';
  const { forwardPass } = await import('./run.js');
  const r = await forwardPass(model);
  const lines = [`forward pass of ${model.name} on tfjs backend: ${r.backend}`];
  const show = (t: OutputNumbers) => `${t.name}: ${t.dtype} [${t.shape.join(', ')}]  ${t.values.map(fmt).join(', ')}${t.size > t.values.length ? ', …' : ''}`;
  for (const t of r.inputs) lines.push(`input  ${show(t)}`);
  for (const t of r.outputs) lines.push(`output ${show(t)}`);
  ui.runOutput.textContent = lines.join('\n');
}

async function runTraining(): Promise<void> {
  const model = selectedModel();
  if (!model) return;
  ui.runOutput.textContent = `training ${model.name} for ${TRAIN_STEPS} steps on one random batch…`;
  const { train } = await import('./run.js');
  const lines: string[] = [];
  const r = await train(model, TRAIN_STEPS, (s) => {
    lines.push(`step ${s.step}  loss ${s.loss.toFixed(4)}`);
    ui.runOutput.textContent = lines.join('\n');
  });
  const first = r.results[0].loss;
  const last = r.results[r.results.length - 1].loss;
  ui.runOutput.textContent = [`training ${model.name} (Adam, lr 0.01) on tfjs backend: ${r.backend}`, ...lines, `loss ${fmt(first)} → ${fmt(last)}`].join('\n');
}

/** Runs `job` with both run buttons disabled; its error is shown in the output. */
function exclusive(job: () => Promise<void>): () => void {
  return () => {
    // Run what the editor holds, even when the pause before checking it has not passed yet.
    if (timer !== undefined) analyse();
    if (selectedModel() === undefined) return;
    ui.forward.disabled = ui.train.disabled = true;
    job()
      .catch((err: unknown) => {
        ui.runOutput.textContent = `error: ${err instanceof Error ? err.message : String(err)}`;
      })
      .finally(() => {
        ui.forward.disabled = ui.train.disabled = selectedModel() === undefined;
      });
  };
}

ui.example.addEventListener('change', () => {
  const e = EXAMPLES.find((x) => x.id === ui.example.value);
  if (e) view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: e.text } });
});
ui.model.addEventListener('change', showModel);
ui.graphDepth.addEventListener('change', showModel);
ui.forward.addEventListener('click', exclusive(runForward));
ui.train.addEventListener('click', exclusive(runTraining));
ui.share.addEventListener('click', () => {
  ui.shareUrl.value = location.href;
  ui.shareUrl.select();
  navigator.clipboard?.writeText(location.href).then(
    () => setStatus('link copied'),
    () => setStatus('select the link and copy it'),
  );
});
window.addEventListener('hashchange', () => {
  const text = specFromHash(location.hash);
  if (text !== undefined && text !== spec()) view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
});

/** For scripts and tests: the editor's text. */
(window as unknown as { playground: { spec(): string } }).playground = { spec };

analyse();
