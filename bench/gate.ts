/**
 * Gate decisions under simulated traffic: Greenlight's sequential gate against a CodeDeploy-style
 * fixed window (CodeDeployDefault.ECSCanary10Percent5Minutes judged by a threshold at the end).
 *
 * Each deployment is one 10 % canary step at 200 requests/s, evaluated every second on the
 * cumulative window since the step started, through the real evaluateGate and decide
 * (test/support/gate-simulation.ts has the traffic and latency model). Both gates come from
 * real spec presets with `intervalSeconds: 1` and every other gate setting at its default
 * (sequential: α = β = 1 %, δ = +2 pp, maxErrorRate 1 %, p99 ≤ blue × 1.5 + 50 ms, two failing
 * evaluations in a row; fixed window: 5xx share ≤ 1 % and p99 ≤ 1000 ms over 5 minutes).
 * A deployment ends when the step advances (pass) or rolls back; the step deadline bounds it.
 * Seeded: the same options print the same table.
 */
import { parseArgs } from 'node:util';
import { SpecSchema, type DeploymentSpecInput } from '../shared/domain/spec';
import { seededRandom } from '../shared/domain/statistics/random';
import { specFor } from '../test/fixtures/spec';
import { simulateStep, type Scenario, type StepSetup } from '../test/support/gate-simulation';
import type { BenchResult } from './run';
import { integerOption, quantile, textTable } from './stats';

const BLUE_ERROR_RATE = 0.005;
const BLUE_P99_MS = 120;
const REQUESTS_PER_SECOND = 200;

interface NamedScenario extends Scenario {
  name: string;
  /** Whether the release should be rolled back. */
  bad: boolean;
}

const SCENARIOS: NamedScenario[] = [
  { name: 'good (0.5% 5xx)', bad: false, greenErrorRate: BLUE_ERROR_RATE, greenP99Ms: BLUE_P99_MS },
  { name: 'bad +1 pp', bad: true, greenErrorRate: BLUE_ERROR_RATE + 0.01, greenP99Ms: BLUE_P99_MS },
  { name: 'bad +5 pp', bad: true, greenErrorRate: BLUE_ERROR_RATE + 0.05, greenP99Ms: BLUE_P99_MS },
  { name: 'bad +20 pp', bad: true, greenErrorRate: BLUE_ERROR_RATE + 0.2, greenP99Ms: BLUE_P99_MS },
  { name: 'slow (p99 ×3)', bad: true, greenErrorRate: BLUE_ERROR_RATE, greenP99Ms: BLUE_P99_MS * 3 },
].map((s) => ({ ...s, blueErrorRate: BLUE_ERROR_RATE, blueP99Ms: BLUE_P99_MS }));

/**
 * A spec of the simulated service `bench` with this plan and gate. Only the first step is
 * simulated; a short launch and no bake keep the 1-s gate interval within the spec's
 * execution-history budget.
 */
export function benchSpec(fields: Partial<DeploymentSpecInput>): DeploymentSpecInput {
  return specFor(
    { service: 'bench', launch: { timeoutSeconds: 60, pollSeconds: 10 }, bakeSeconds: 0, ...fields },
    { place: { cluster: 'bench', listener: 'bench-listener' } },
  );
}

/** The first step of a spec with this plan and gate: what the workflow would run. */
function firstStep(plan: DeploymentSpecInput['plan'], gate: DeploymentSpecInput['gate']): StepSetup {
  const step = SpecSchema.parse(benchSpec({ plan, gate })).plan.steps[0];
  if (!step) throw new Error('plan has no step');
  return {
    gate: step.gate,
    weight: step.weight,
    holdSeconds: step.holdSeconds,
    requestsPerSecond: REQUESTS_PER_SECOND,
  };
}

/** Wilson score interval for a proportion, 95 %. */
function wilson(successes: number, n: number): [number, number] {
  const z = 1.959964;
  const p = successes / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

interface Row {
  gate: string;
  scenario: string;
  deployments: number;
  rollbacks: number;
  /** False rollbacks (good release) or misses (bad release). */
  wrong: number;
  wrongRate: number;
  wrongRateCi95: [number, number];
  requestsToDecision: { p50: number; p95: number };
  secondsToDecision: { p50: number; p95: number };
  ms: number;
}

function run(
  gateName: string,
  setup: StepSetup,
  scenario: NamedScenario,
  deployments: number,
  seed: number,
): Row {
  const started = Date.now();
  const random = seededRandom(seed);
  const requests: number[] = [];
  const seconds: number[] = [];
  let rollbacks = 0;
  for (let i = 0; i < deployments; i++) {
    const outcome = simulateStep(setup, scenario, random);
    if (outcome.decision === 'rollback') rollbacks++;
    requests.push(outcome.greenRequests);
    seconds.push(outcome.seconds);
  }
  const wrong = scenario.bad ? deployments - rollbacks : rollbacks;
  return {
    gate: gateName,
    scenario: scenario.name,
    deployments,
    rollbacks,
    wrong,
    wrongRate: wrong / deployments,
    wrongRateCi95: wilson(wrong, deployments),
    requestsToDecision: { p50: quantile(requests, 0.5), p95: quantile(requests, 0.95) },
    secondsToDecision: { p50: quantile(seconds, 0.5), p95: quantile(seconds, 0.95) },
    ms: Date.now() - started,
  };
}

export async function gate(args: string[]): Promise<BenchResult> {
  const { values } = parseArgs({
    args,
    options: {
      deployments: { type: 'string', default: '10000' },
      seed: { type: 'string', default: '1' },
      delta: { type: 'string', default: '0.02' },
    },
  });
  const deployments = integerOption('deployments', values.deployments, 1, 1_000_000);
  const seed = integerOption('seed', values.seed);
  const delta = Number(values.delta);
  if (!(delta >= 0.001 && delta <= 0.5))
    throw new Error(`--delta: expected 0.001 to 0.5, got ${values.delta}`);

  const gates: [string, StepSetup][] = [
    [
      'greenlight sequential',
      firstStep(
        { preset: 'canary', weights: [10], holdSeconds: 0 },
        { intervalSeconds: 1, minDetectableIncrease: delta },
      ),
    ],
    ['codedeploy-canary-10-5', firstStep({ preset: 'codedeploy-canary-10-5' }, { intervalSeconds: 1 })],
  ];
  const started = Date.now();
  const rows: Row[] = [];
  gates.forEach(([name, setup], g) =>
    SCENARIOS.forEach((scenario, s) =>
      rows.push(run(name, setup, scenario, deployments, seed + 1000 * g + s)),
    ),
  );

  const find = (g: string, s: string) => rows.find((r) => r.gate === g && r.scenario === s)!;
  const [sequential, fixed] = gates.map(([name]) => name) as [string, string];
  const targets = {
    falseRollbackAtMost1Pct: find(sequential, SCENARIOS[0]!.name).wrongRate <= 0.01,
    missAtMost1PctFrom5pp: [SCENARIOS[2]!, SCENARIOS[3]!].every(
      (s) => find(sequential, s.name).wrongRate <= 0.01,
    ),
    medianRequestsRatioToFixed: Object.fromEntries(
      SCENARIOS.map((s) => [
        s.name,
        Number(
          (
            find(sequential, s.name).requestsToDecision.p50 / find(fixed, s.name).requestsToDecision.p50
          ).toFixed(3),
        ),
      ]),
    ),
  };

  const table = textTable(
    [
      'gate',
      'scenario',
      'rolled back',
      'false rollback / miss (95% CI)',
      'green requests to decision p50',
      'p95',
      'seconds p50',
      'p95',
    ],
    rows.map((r) => [
      r.gate,
      r.scenario,
      pct(r.rollbacks / r.deployments),
      `${r.scenario.startsWith('good') ? 'false rollback' : 'miss'} ${pct(r.wrongRate)} (${pct(r.wrongRateCi95[0])}–${pct(r.wrongRateCi95[1])})`,
      String(r.requestsToDecision.p50),
      String(r.requestsToDecision.p95),
      String(r.secondsToDecision.p50),
      String(r.secondsToDecision.p95),
    ]),
  );
  const ratios = Object.entries(targets.medianRequestsRatioToFixed)
    .map(([s, r]) => `${s} ${r}`)
    .join(', ');
  const summary = [
    `targets (reported, not asserted): false rollback ≤ 1%: ${targets.falseRollbackAtMost1Pct ? 'met' : 'NOT met'}; ` +
      `miss ≤ 1% from +5 pp: ${targets.missAtMost1PctFrom5pp ? 'met' : 'NOT met'}`,
    `median green requests to decision, sequential / fixed window: ${ratios}`,
  ].join('\n');
  const header =
    `gate decisions: ${deployments} simulated deployments per row, one ${gates[0]![1].weight}% step at ${REQUESTS_PER_SECOND} req/s, ` +
    `evaluated every 1 s; blue 5xx ${pct(BLUE_ERROR_RATE)}, p99 ${BLUE_P99_MS} ms; sequential δ=+${Number((delta * 100).toPrecision(3))} pp; seed ${seed}`;
  return {
    table: `${header}\n${table}\n\n${summary}\n(${((Date.now() - started) / 1000).toFixed(1)} s)`,
    data: {
      setup: {
        deployments,
        seed,
        requestsPerSecond: REQUESTS_PER_SECOND,
        blueErrorRate: BLUE_ERROR_RATE,
        blueP99Ms: BLUE_P99_MS,
        gates: Object.fromEntries(gates),
        scenarios: SCENARIOS,
      },
      results: rows,
      targets,
      elapsedMs: Date.now() - started,
    },
  };
}
