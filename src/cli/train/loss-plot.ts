/**
 * The loss curve of a run as a small standalone SVG (`loss.svg`): training loss per step (faint),
 * its moving average, the validation loss at each evaluation (dots), the best evaluation (marked),
 * on a shared linear step axis. When the evaluations have a perplexity (language models), the
 * right axis reads perplexity: a rising log scale placed so that perplexity P sits at loss ln P,
 * and each evaluation's perplexity is a ring there (on its validation dot when the loss is the
 * plain cross-entropy). Hovering a dot shows its numbers. Written by hand: a few lines of markup,
 * no plotting dependency.
 */
export interface LossPoint {
  step: number;
  loss: number;
  /** Validation points of a language model: exp of the token-level cross-entropy. */
  perplexity?: number;
}

const W = 640;
const H = 360;

export function lossSvg(train: readonly LossPoint[], validation: readonly LossPoint[], title: string, best?: LossPoint): string {
  const ppl = validation.filter((p) => p.perplexity !== undefined && Number.isFinite(p.perplexity) && p.perplexity > 0);
  const M = { left: 56, right: ppl.length ? 56 : 16, top: 28, bottom: 40 };
  const pts = [...train, ...validation, ...ppl.map((p) => ({ step: p.step, loss: Math.log(p.perplexity!) }))].filter((p) => Number.isFinite(p.loss));
  const maxStep = Math.max(1, ...pts.map((p) => p.step));
  const minStep = Math.min(maxStep - 1, ...pts.map((p) => p.step));
  const lo = pts.length ? Math.min(...pts.map((p) => p.loss)) : 0;
  const hi = pts.length ? Math.max(...pts.map((p) => p.loss)) : 1;
  const [y0, y1] = lo === hi ? [lo - 0.5, hi + 0.5] : [Math.max(0, lo - (hi - lo) * 0.05), hi + (hi - lo) * 0.05];
  const x = (s: number) => M.left + ((s - minStep) / (maxStep - minStep)) * (W - M.left - M.right);
  const y = (v: number) => M.top + (1 - (v - y0) / (y1 - y0)) * (H - M.top - M.bottom);
  const path = (ps: readonly LossPoint[]) => ps.filter((p) => Number.isFinite(p.loss)).map((p, i) => `${i ? 'L' : 'M'}${x(p.step).toFixed(1)},${y(p.loss).toFixed(1)}`).join('');

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="11">`);
  parts.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  parts.push(`<text x="${M.left}" y="18" font-size="13" font-weight="600">${escapeXml(title)}</text>`);
  for (const v of ticks(y0, y1, 5)) {
    parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${M.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" fill="#555">${formatTick(v)}</text>`);
  }
  for (const s of ticks(minStep, maxStep, 6).filter((s) => Number.isInteger(s))) {
    parts.push(`<line x1="${x(s).toFixed(1)}" x2="${x(s).toFixed(1)}" y1="${H - M.bottom}" y2="${H - M.bottom + 4}" stroke="#555"/>`);
    parts.push(`<text x="${x(s).toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle" fill="#555">${s}</text>`);
  }
  parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="#555"/>`);
  parts.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 6}" text-anchor="middle" fill="#555">step</text>`);
  parts.push(`<text transform="translate(14 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle" fill="#555">loss</text>`);
  if (train.length) {
    parts.push(`<path d="${path(train)}" fill="none" stroke="#9ecae1" stroke-width="1"/>`);
    parts.push(`<path d="${path(movingAverage(train, Math.max(1, Math.round(train.length / 25))))}" fill="none" stroke="#2171b5" stroke-width="2"/>`);
  }
  if (best && Number.isFinite(best.loss)) {
    const bx = x(best.step);
    parts.push(`<line x1="${bx.toFixed(1)}" x2="${bx.toFixed(1)}" y1="${M.top}" y2="${H - M.bottom}" stroke="#31a354" stroke-dasharray="2 3"/>`);
    parts.push(`<text x="${(bx + 3).toFixed(1)}" y="${M.top + 11}" fill="#31a354">best</text>`);
  }
  for (const p of validation.filter((v) => Number.isFinite(v.loss))) {
    const tip = `step ${p.step}: validation loss ${p.loss.toFixed(4)}${p.perplexity !== undefined ? `, perplexity ${formatTick(p.perplexity)}` : ''}`;
    parts.push(`<circle cx="${x(p.step).toFixed(1)}" cy="${y(p.loss).toFixed(1)}" r="3.5" fill="#e6550d"><title>${tip}</title></circle>`);
  }
  if (validation.length > 1) parts.push(`<path d="${path(validation)}" fill="none" stroke="#e6550d" stroke-width="1.5" stroke-dasharray="4 3"/>`);
  if (ppl.length) {
    const yp = (v: number) => y(Math.log(v));
    const xr = W - M.right;
    parts.push(`<line x1="${xr}" x2="${xr}" y1="${M.top}" y2="${H - M.bottom}" stroke="#555"/>`);
    for (const v of logTicks(Math.exp(y0), Math.exp(y1), H - M.top - M.bottom, y1 - y0)) {
      parts.push(`<line x1="${xr}" x2="${xr + 4}" y1="${yp(v).toFixed(1)}" y2="${yp(v).toFixed(1)}" stroke="#555"/>`);
      parts.push(`<text x="${xr + 6}" y="${(yp(v) + 4).toFixed(1)}" fill="#555">${formatTick(v)}</text>`);
    }
    parts.push(`<text transform="translate(${W - 8} ${(M.top + H - M.bottom) / 2}) rotate(90)" text-anchor="middle" fill="#555">validation perplexity</text>`);
    for (const p of ppl) parts.push(`<circle cx="${x(p.step).toFixed(1)}" cy="${yp(p.perplexity!).toFixed(1)}" r="6" fill="none" stroke="#756bb1" stroke-width="1.5"/>`);
  }
  const lx = W - M.right - (ppl.length ? 300 : 200);
  parts.push(`<line x1="${lx}" x2="${lx + 18}" y1="14" y2="14" stroke="#2171b5" stroke-width="2"/><text x="${lx + 22}" y="18">training (average)</text>`);
  parts.push(`<circle cx="${lx + 140}" cy="14" r="3.5" fill="#e6550d"/><text x="${lx + 147}" y="18">validation</text>`);
  if (ppl.length) parts.push(`<circle cx="${lx + 218}" cy="14" r="6" fill="none" stroke="#756bb1" stroke-width="1.5"/><text x="${lx + 228}" y="18">perplexity</text>`);
  parts.push('</svg>\n');
  return parts.join('\n');
}

/** Mean of the last `k` points at each point (a trailing window, so the curve never leads the data). */
export function movingAverage(ps: readonly LossPoint[], k: number): LossPoint[] {
  const out: LossPoint[] = [];
  let sum = 0;
  for (let i = 0; i < ps.length; i++) {
    sum += ps[i].loss;
    if (i >= k) sum -= ps[i - k].loss;
    out.push({ step: ps[i].step, loss: sum / Math.min(i + 1, k) });
  }
  return out;
}

/** About `n` round tick values between lo and hi (1, 2 or 5 times a power of ten apart). */
export function ticks(lo: number, hi: number, n: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/**
 * Round perplexity values (1, 2, 5 times powers of ten, denser when the range is narrow) between
 * lo and hi, at least 16 px apart on a log axis of `pixels` px spanning `logSpan` (= ln(hi / lo)).
 */
export function logTicks(lo: number, hi: number, pixels: number, logSpan: number): number[] {
  if (!(hi > lo) || !(lo > 0)) return [];
  const out: number[] = [];
  let lastAt = -Infinity;
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 1.5, 2, 3, 5, 7]) {
      const v = Number((m * 10 ** e).toPrecision(6));
      if (v < lo || v > hi) continue;
      const at = (Math.log(v / lo) / logSpan) * pixels;
      if (at - lastAt < 16) continue;
      out.push(v);
      lastAt = at;
    }
  }
  return out;
}

function formatTick(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(3)).toString();
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}
