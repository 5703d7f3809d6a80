/**
 * The gate's statistics: always-valid tests the gate may read after every evaluation, plus a final
 * look at the step's horizon. Pure TypeScript (no AWS, no node:*).
 *
 * Why. The gate looks at the cumulative window since the step started every interval, and decides
 * as soon as the evidence is enough. A fixed-sample test read that often rolls back good releases
 * far more often than its level; Wald's SPRT keeps its error rates but only at two simple
 * hypotheses, so a rate between them (its indifference zone: 1.5 % 5xx against a 1 % limit with
 * δ = 2 pp) is passed or failed almost at random. Here every rule is an e-process — a nonnegative
 * (super)martingale under its null hypothesis, built as a mixture of likelihood ratios over *every*
 * alternative (Robbins' method of mixtures; Johari, Koomen, Pekelis, Walsh, "Peeking at A/B
 * tests", KDD 2017; Howard, Ramdas, McAuliffe, Sekhon, "Time-uniform, nonparametric,
 * nonasymptotic confidence sequences", Ann. Statist. 2021). By Ville's inequality, P(an
 * e-process ever reaches 1/α) ≤ α under its null, however often and whenever it is read. Each
 * mixture puts point masses near the effects we want caught fast (the speed knob
 * `minDetectableIncrease`) and a continuous part over all the others, so no effect is a blind spot:
 * with enough traffic any rate above the limit, any green worse than blue, is rejected.
 *
 * The rules (gate/sequential.ts combines them):
 * - error-limit.ts, the hard limit L = maxErrorRate on the new color's counts, two e-values:
 *   `above` (null: rate ≤ L; mixture over rates in (L, 1)) fails the step at ≥ 2/α; `below` (null:
 *   rate ≥ L; mixture over rates in (0, L)) is the evidence needed to pass early, at ≥ 1/β.
 * - error-comparison.ts, green against blue: while green's rate is no higher than blue's, each error
 *   lands on green with probability at most green's share w of the traffic, whatever the common
 *   rate (no nuisance parameter; counts of 0, 1, 2 errors are exact). The e-value mixes the
 *   likelihood ratio of shares π > w; it fails at ≥ 2/α. Passing early additionally needs Wald's
 *   acceptance of "not worse by δ" (gate/sprt.ts, profile likelihood): the comparison stops early
 *   only on evidence that green is not much worse, and a green worse by less than δ that the
 *   e-value has not caught by the final look passes, as it would in a fixed window (which has no
 *   comparison at all).
 * - latency-rank.ts, latency as a distribution when the source gives histograms: the Mann–Whitney
 *   effect size A = P(green slower) + ½ P(tie) on the shared buckets, its standard error from
 *   DeLong's placement values, and a two-sided asymptotic confidence sequence (Waudby-Smith,
 *   Arbour, Sinha, Kennedy, Ramdas, "Time-uniform central limit theory and asymptotic confidence
 *   sequences", 2021) at level α/2. Fails when the whole sequence lies above
 *   `maxProbabilitySlower`, passes (early) when it lies below. Valid as the CLT is: asymptotically,
 *   and the bench measures it at 20 requests per second and less.
 * - Interim look of the limit, at 45 % of the way to the final look (gate/judge.ts interimLookAt),
 *   taken once per step: one exact binomial test of "rate ≤ L" at α on the window then, a
 *   group-sequential design's interim analysis; a failure rolls back at once, and it never passes.
 *   Why: a rate just over the limit is where always-valid tests are weakest. To catch 1.5 %
 *   against L = 1 % half the time, one test at level a needs n ≈ (z_a·√(L(1−L)) / 0.5 pp)² green
 *   requests — 2,140 at a = 1 % — while the best continuously monitored boundary at α/2 sits near
 *   3.6 standard errors instead of 2.6, and needs ≈ 5,100: more than half of the 6,000 a 5-minute
 *   window at 20 requests/s sees. A look at 45 % of the horizon (2,700 requests there), with the
 *   e-process's earlier crossings, decides 52 % of such steps by then (seeded simulation, 1,000
 *   steps; `npm run bench -- gate` row "blue at it": median 2,778 requests against 6,003).
 * - Final look. At the horizon (max(step hold, finalLookSeconds)) the gate decides with what it
 *   has, as a group-sequential design's last analysis does, and a failure there rolls back at
 *   once (gate/decide.ts). It fails if any rule has failed, if Â > maxProbabilitySlower, or by the
 *   fixed window's own rule: the observed rate is above L — guarded at small counts, where 4
 *   errors in 300 requests say little, by also requiring the count to be unlikely (≤ α/2) for a
 *   release at L/2. Above L but not that unlikely, it waits for more requests, up to the last
 *   look (halfway from the hold's end to the step's deadline; gate/judge.ts lastLookAt): in
 *   between it passes as soon as the observed rate is back within L and fails only on the
 *   always-valid evidence; at the last look the guarded rule decides, and what it does not fail
 *   passes. So on the same traffic it fails whatever a fixed window of the same length fails on
 *   its 5xx limit (once the guard is inactive, from about a thousand requests at L = 1 %; below,
 *   the wait gives the counts the chance to say it), and a step without that ambiguity is never
 *   undecided longer.
 * Guarantees (α = falseRollbackRate, β = missRate):
 * - Continuous monitoring, before the final look: a new color whose rate is ≤ L is failed by the
 *   limit with probability ≤ α/2 (Ville) plus α at the interim look (exact): ≤ 1.5α; one no worse
 *   than the live color is failed by the comparison with probability ≤ α/2 (exact, Ville), and by
 *   the rank rule ≤ α/2 (asymptotic).
 * - At the interim look, a new color at ≤ L/2 is failed with probability ≤ α/10 (exact; checked
 *   for 20 to 50,000 requests in test/unit/statistics/sequential-gate.test.ts).
 * - At the final look: a new color at ≤ L/2 is failed by the limit with probability ≤ α/2 (exact
 *   binomial); between L/2 and L with at most the chance its observed rate exceeds L (≤
 *   exp(−n·KL(L‖p)), Chernoff), as in a fixed window. A rate exactly at L is the indifference point.
 *   The last look adds one more guarded test for the steps the final look left waiting.
 * - So a new color identical to the live one, at half the limit or better, is rolled back with
 *   probability ≤ α (the limit adds nothing measurable there, see the bench) — ≤ 1.6α counting
 *   the limit's always-valid α/2 and interim α/10 in full, the guarded tests at the final and the
 *   last look adding ≤ α/2 each on top.
 * - A new color at or above L is passed before the final look with probability ≤ β (Ville on
 *   `below`); far above L much less (the chance shrinks like β^θ, θ > 1).
 * - Power at the final look: a rate p > L fails there unless its observed rate is ≤ L, with
 *   probability ≈ Φ((p − L)·√n / √(p(1−p))) with n new-color requests — the fixed window's power —
 *   unless a sequential rule caught it first; the comparison usually does, long before (1.5 %
 *   against 0.5 % live: ~1,000 requests at 10 %). Simulations in
 *   test/unit/statistics/always-valid.test.ts and `npm run bench -- gate` measure the rates.
 * - Approximation, named: the interim look is one test as long as the evaluation after it reads
 *   newer data (judge.ts gateLook compares with the previous evaluation's data end, which is the
 *   earlier of the traffic's and the load balancer's: when the latter lags, a second evaluation
 *   may retake the look on a little more traffic).
 * - Approximation, named: the comparison takes w from the observed request shares (the router's
 *   weight, which the window estimates within a fraction of a percent at a few hundred requests).
 */
export * from './special-functions';
export * from './error-limit';
export * from './error-comparison';
export * from './latency-rank';
export * from './random';
