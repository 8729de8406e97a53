/**
 * The loss curve of a run as a small standalone SVG (`loss.svg`): training loss per step (faint),
 * its moving average, and the validation loss at each evaluation (dots), on a shared linear step
 * axis. Written by hand: a few lines of markup, no plotting dependency.
 */
export interface LossPoint {
  step: number;
  loss: number;
}

const W = 640;
const H = 360;
const M = { left: 56, right: 16, top: 28, bottom: 40 };

export function lossSvg(train: readonly LossPoint[], validation: readonly LossPoint[], title: string): string {
  const pts = [...train, ...validation].filter((p) => Number.isFinite(p.loss));
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
  for (const p of validation.filter((v) => Number.isFinite(v.loss))) {
    parts.push(`<circle cx="${x(p.step).toFixed(1)}" cy="${y(p.loss).toFixed(1)}" r="3.5" fill="#e6550d"/>`);
  }
  if (validation.length > 1) parts.push(`<path d="${path(validation)}" fill="none" stroke="#e6550d" stroke-width="1.5" stroke-dasharray="4 3"/>`);
  const lx = W - M.right - 200;
  parts.push(`<line x1="${lx}" x2="${lx + 18}" y1="14" y2="14" stroke="#2171b5" stroke-width="2"/><text x="${lx + 22}" y="18">training (average)</text>`);
  parts.push(`<circle cx="${lx + 140}" cy="14" r="3.5" fill="#e6550d"/><text x="${lx + 147}" y="18">validation</text>`);
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

function formatTick(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(3)).toString();
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}
