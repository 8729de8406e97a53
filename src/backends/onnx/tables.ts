/** Fixed tables the graph carries as constants. */

/**
 * The sinusoidal position table `[rows, dim]` (Vaswani et al. 2017, §3.5), in double precision
 * rounded to float32, as the runtime's `sinusoidalPositions` makes it: PE(t, 2i) = sin(t / 10000^(2i/dim)),
 * PE(t, 2i+1) = cos(t / 10000^(2i/dim)).
 */
export function sinusoidalTable(rows: number, dim: number): Float32Array {
  const out = new Float32Array(rows * dim);
  for (let i = 0; i < dim; i += 2) {
    const freq = Math.pow(10000, -i / dim);
    for (let t = 0; t < rows; t++) {
      out[t * dim + i] = Math.sin(t * freq);
      if (i + 1 < dim) out[t * dim + i + 1] = Math.cos(t * freq);
    }
  }
  return out;
}
