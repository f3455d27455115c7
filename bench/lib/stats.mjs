// Two-sample statistics for timing side channels: could an observer tell two kinds of
// request apart by how long they take?

/**
 * Mann-Whitney U test (two-sided, normal approximation with tie correction; fine for the
 * hundreds of samples per side the bench takes) and the Vargha-Delaney A effect size:
 * A = P(a sample of `a` > a sample of `b`) + ½ P(equal). A = 0.5 means an observer guessing
 * from one timing which side it came from does no better than a coin.
 * @param {number[]} a
 * @param {number[]} b
 * @returns {{ u: number, z: number, p: number, a: number }}
 */
export function mannWhitney(a, b) {
  const n1 = a.length;
  const n2 = b.length;
  const all = [...a.map((v) => ({ v, side: 0 })), ...b.map((v) => ({ v, side: 1 }))].sort((x, y) => x.v - y.v);
  const ranks = new Array(all.length);
  let tieTerm = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1].v === all[i].v) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[k] = rank;
    const t = j - i + 1;
    tieTerm += t ** 3 - t;
    i = j + 1;
  }
  let rankSumA = 0;
  for (let k = 0; k < all.length; k++) if (all[k].side === 0) rankSumA += ranks[k];
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  const mean = (n1 * n2) / 2;
  const sd = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  const z = sd === 0 ? 0 : (u - mean) / sd;
  return { u, z, p: 2 * (1 - normalCdf(Math.abs(z))), a: u / (n1 * n2) };
}

/** Φ(x), via erf (Abramowitz & Stegun 7.1.26, error < 1.5e-7). @param {number} x */
function normalCdf(x) {
  const t = 1 / (1 + 0.3275911 * (x / Math.SQRT2));
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-((x / Math.SQRT2) ** 2));
  return 0.5 * (1 + erf);
}
