/**
 * Tail probabilities of counts, for testing an observed count against a baseline as a count
 * rather than as a z-score: "2 bid requests where 14 are usual" has P(X ≤ 2 | Poisson 14) ≈ 3e-4,
 * while "1 click on 40 impressions at a 1 % CTR" has P(X ≥ 1 | Poisson 0.4) ≈ 0.33, which is
 * nothing. Small counts are exactly where z-scores mislead.
 *
 * - Poisson(λ): independent events at a known rate.
 * - Negative binomial (mean μ, size r): Poisson whose rate itself wanders (traffic that drifts
 *   with the time of day), variance μ + μ²/r; the detector fits r from its history's variance.
 * - Binomial(n, p): successes among n trials (auctions won among bids).
 *
 * CDFs use the regularized incomplete gamma and beta functions (Numerical Recipes, 3rd ed.,
 * §6.2 and §6.4: series and Lentz continued fractions), so large counts cost no more than small.
 */

const EPS = 1e-15;
const FPMIN = 1e-300;

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x), Lanczos approximation (g = 7, n = 9), |error| < 1e-13 for x > 0. */
export function logGamma(x: number): number {
  const c = LANCZOS;
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularized lower incomplete gamma P(a, x). */
export function gammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 10_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPS) break;
    }
    return sum * Math.exp(-x + a * Math.log(x) - logGamma(a));
  }
  return 1 - gammaQContinued(a, x);
}

function gammaQContinued(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / FPMIN;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = b + an / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
}

/** Regularized upper incomplete gamma Q(a, x) = 1 − P(a, x), accurate in the far tail. */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  return x < a + 1 ? 1 - gammaP(a, x) : gammaQContinued(a, x);
}

function betaContinued(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < FPMIN) d = FPMIN;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < 10_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return h;
}

/** Regularized incomplete beta I_x(a, b). */
export function betaI(a: number, b: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinued(a, b, x)) / a : 1 - (front * betaContinued(b, a, 1 - x)) / b;
}

/** P(X ≤ k), X ~ Poisson(λ). */
export function poissonCdf(k: number, lambda: number): number {
  if (k < 0) return 0;
  if (lambda <= 0) return 1;
  return gammaQ(Math.floor(k) + 1, lambda);
}

/** P(X ≥ k), X ~ Poisson(λ). */
export function poissonSf(k: number, lambda: number): number {
  if (k <= 0) return 1;
  if (lambda <= 0) return 0;
  return gammaP(Math.ceil(k), lambda);
}

/** P(X ≤ k), X ~ Binomial(n, p). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  return betaI(n - Math.floor(k), Math.floor(k) + 1, 1 - p);
}

/** P(X ≥ k), X ~ Binomial(n, p). */
export function binomialSf(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  return betaI(Math.ceil(k), n - Math.ceil(k) + 1, p);
}

/** P(X ≤ k), X ~ NegativeBinomial(mean μ, size r): failures before the r-th success, p = r/(r+μ). */
export function negBinomialCdf(k: number, mean: number, size: number): number {
  if (k < 0) return 0;
  if (mean <= 0) return 1;
  return betaI(size, Math.floor(k) + 1, size / (size + mean));
}

/** P(X ≥ k) for the same negative binomial. */
export function negBinomialSf(k: number, mean: number, size: number): number {
  if (k <= 0) return 1;
  if (mean <= 0) return 0;
  return 1 - negBinomialCdf(Math.ceil(k) - 1, mean, size);
}
