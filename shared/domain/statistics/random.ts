/** Seeded pseudo-random numbers for simulations: reproducible runs, no Math.random. */

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/** xoshiro128** seeded through splitmix32: fast, 2^128 − 1 period, good enough for Monte Carlo. */
export function seededRandom(seed: number): Random {
  let x = seed >>> 0;
  const splitmix = () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  return () => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result / 4294967296;
  };
}

const rotl = (v: number, k: number) => (v << k) | (v >>> (32 - k));

/** A standard normal variate (Box–Muller). */
export function normal(random: Random): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/**
 * A Binomial(n, p) variate, exact: inversion of the CDF (expected n·p steps), after splitting n so
 * that each part's mean stays small (q^n would underflow for large n).
 */
export function binomial(random: Random, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(random, n, 1 - p);
  if (n * p > 40) {
    const half = Math.floor(n / 2);
    return binomial(random, half, p) + binomial(random, n - half, p);
  }
  const q = 1 - p;
  const s = p / q;
  const a = (n + 1) * s;
  let r = q ** n;
  let u = random();
  let x = 0;
  while (u > r && x < n) {
    u -= r;
    x += 1;
    r *= a / x - s;
  }
  return x;
}

/**
 * A sampler for one fixed Binomial(n, p), drawn by binary search in its precomputed CDF: for the
 * draw repeated every interval (how many requests the weighted router sends to each color).
 */
export function binomialSampler(n: number, p: number): (random: Random) => number {
  if (n <= 0 || p <= 0 || p >= 1 || n > 100_000) return (random) => binomial(random, n, p);
  const cdf = new Float64Array(n + 1);
  // Probabilities from the log pmf: no underflow of q^n for large n.
  let logPmf = n * Math.log1p(-p);
  const logOdds = Math.log(p / (1 - p));
  let total = 0;
  for (let k = 0; k <= n; k++) {
    if (k > 0) logPmf += Math.log((n - k + 1) / k) + logOdds;
    total += Math.exp(logPmf);
    cdf[k] = total;
  }
  return (random) => {
    const u = random() * total;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}
