/** Special functions the tests need: log-gamma, the regularized incomplete beta, log-sum-exp. */

const LANCZOS = [
  676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7: about 15 significant digits). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = 0.99999999999980993;
  const t = z + 7.5;
  for (let i = 0; i < LANCZOS.length; i++) a += LANCZOS[i]! / (z + i + 1);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** ln B(a, b). */
export const logBeta = (a: number, b: number) => logGamma(a) + logGamma(b) - logGamma(a + b);

/** Continued fraction of the incomplete beta (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 1000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/**
 * ln of the regularized incomplete beta I_x(a, b) = P(Beta(a, b) ≤ x), and of its complement,
 * each computed on the side where the continued fraction converges (so tails far below 1e-300 keep
 * their logarithm).
 */
export function logIncompleteBeta(a: number, b: number, x: number): { lower: number; upper: number } {
  if (x <= 0) return { lower: -Infinity, upper: 0 };
  if (x >= 1) return { lower: 0, upper: -Infinity };
  const logFront = a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b);
  if (x < (a + 1) / (a + b + 2)) {
    const lower = logFront + Math.log(betaContinuedFraction(a, b, x)) - Math.log(a);
    return { lower, upper: log1mExp(lower) };
  }
  const upper = logFront + Math.log(betaContinuedFraction(b, a, 1 - x)) - Math.log(b);
  return { lower: log1mExp(upper), upper };
}

/** ln(1 − e^v) for v ≤ 0. */
export function log1mExp(v: number): number {
  if (v >= 0) return -Infinity;
  return v > -Math.LN2 ? Math.log(-Math.expm1(v)) : Math.log1p(-Math.exp(v));
}

/** ln Σ exp(v_i), without overflow. */
export function logSumExp(values: number[]): number {
  const top = Math.max(...values);
  if (top === -Infinity) return -Infinity;
  if (top === Infinity) return Infinity;
  let sum = 0;
  for (const v of values) sum += Math.exp(v - top);
  return top + Math.log(sum);
}

/** P(X ≥ k) for X ~ Binomial(n, p), as a logarithm: the exact one-sided p-value of k errors in n at rate p. */
export function logBinomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 0;
  if (k > n) return -Infinity;
  // P(X ≥ k) = I_p(k, n − k + 1).
  return logIncompleteBeta(k, n - k + 1, p).lower;
}

/**
 * ln P(X ≤ k) for X ~ Binomial(n, p): the sum of its k + 1 terms (by their ratio recurrence) while
 * k is small, as it is in these tests (errors), else through the incomplete beta.
 */
export function logBinomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return -Infinity;
  if (k >= n || p <= 0) return 0;
  if (p >= 1) return -Infinity;
  if (k > 1000) return logIncompleteBeta(k + 1, n - k, p).upper;
  const logOdds = Math.log(p) - Math.log1p(-p);
  let term = n * Math.log1p(-p);
  // Σ e^term, kept as top + ln(sum) with `top` the largest term so far (no overflow, no array).
  let top = term;
  let sum = 1;
  for (let j = 1; j <= k; j++) {
    term += Math.log((n - j + 1) / j) + logOdds;
    if (term > top) {
      sum = sum * Math.exp(top - term) + 1;
      top = term;
    } else sum += Math.exp(term - top);
  }
  return Math.min(0, top + Math.log(sum));
}

/**
 * ln P(X ≥ k) for X ~ Binomial(n, p), precise in the far tail: summed from k upwards (the terms
 * fall from there) when k is above the mean, else 1 − P(X ≤ k − 1).
 */
export function logBinomialTail(k: number, n: number, p: number): number {
  if (k <= 0) return 0;
  if (k > n || p <= 0) return -Infinity;
  if (p >= 1) return 0;
  if (k <= n * p || n - k > 100_000) return log1mExp(logBinomialCdf(k - 1, n, p));
  const logOdds = Math.log(p) - Math.log1p(-p);
  let term =
    logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p);
  const top = term;
  let sum = 1;
  for (let j = k + 1; j <= n; j++) {
    term += Math.log((n - j + 1) / j) + logOdds;
    if (term < top - 40) break;
    sum += Math.exp(term - top);
  }
  return Math.min(0, top + Math.log(sum));
}

/** Φ(z), the standard normal distribution function (Abramowitz–Stegun 7.1.26 via erfc; |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erfc = poly * Math.exp(-x * x);
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}
