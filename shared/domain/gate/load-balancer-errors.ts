/**
 * The load balancer's own 5xx as a hard limit while the new color takes traffic.
 *
 * A color that resets or hangs connections makes the ALB answer 502 or 504 itself (and 503 when a
 * target group has no healthy target). CloudWatch counts those as HTTPCode_ELB_5XX_Count and its
 * _502_/_503_/_504_ parts, per load balancer (and AZ) only, never per target group: they cannot be
 * told apart per color, and the per-target-group figures the rest of the gate reads never show
 * them. So the gate compares the load balancer's rate since the step began with its rate before
 * the deployment, and says in the verdict that the figure is the load balancer's, shared by both
 * colors (and by every other listener and target group on it).
 *
 * Pure: the Metrics port reads the windows (LoadBalancerWindow) on published periods only.
 */
import { periodStart } from './published-data';
import type { GateVerdict } from './verdict';

/** The load balancer's requests and own 5xx over published periods. */
export interface LoadBalancerWindow {
  /** Which load balancer (`app/<name>/<id>` on AWS), named in reasons. */
  loadBalancer: string;
  /** Requests for which the load balancer chose a target (RequestCount per load balancer). */
  requests: number;
  /** 5xx the load balancer produced itself (HTTPCode_ELB_5XX_Count). */
  errors: number;
  /** Of those, the 502s, 503s and 504s, when the source tells them apart. */
  byStatus?: Partial<Record<'502' | '503' | '504', number>>;
  /** Start of the data (epoch ms), floored to a period. */
  from: number;
  /** The data is complete and published up to here (epoch ms); equal to `from` when none is yet. */
  until: number;
  periodSeconds: number;
}

/** The two readings the rule compares: since the step (or the bake) began, and before the deployment. */
export interface LoadBalancerReadings {
  step: LoadBalancerWindow;
  baseline: LoadBalancerWindow;
}

/**
 * How long before the deployment the baseline is read. Before the deployment, not before the
 * step: a per-step baseline would let each step raise the level a little under the limit, and the
 * new color's own errors at step k would become the "normal" of step k + 1.
 */
export const LOAD_BALANCER_BASELINE_SECONDS = 600;

/**
 * Default limit: the load balancer's own 5xx may rise by at most 0.5 points of its requests.
 * A color that resets every connection at a 1 % weight raises it by about 1 point, at the
 * default first step (5 %) by about 5.
 */
export const DEFAULT_MAX_LOAD_BALANCER_ERROR_INCREASE = 0.005;

/** The baseline window: whole periods in the LOAD_BALANCER_BASELINE_SECONDS before the deployment began. */
export function loadBalancerBaselineWindow(
  deploymentStartedAt: number,
  periodSeconds: number,
): { from: number; to: number } {
  const to = periodStart(deploymentStartedAt, periodSeconds);
  return { from: to - LOAD_BALANCER_BASELINE_SECONDS * 1000, to };
}

/** Share of the load balancer's requests it answered with a 5xx of its own (0 without traffic, never above 1). */
export function loadBalancerErrorRate(window: Pick<LoadBalancerWindow, 'requests' | 'errors'>): number {
  // A 503 sent before any target is chosen is not in RequestCount: the errors bound the denominator from below.
  const denominator = Math.max(window.requests, window.errors);
  return denominator === 0 ? 0 : window.errors / denominator;
}

export interface LoadBalancerRule {
  /** Highest rise of the rate over the baseline (absolute share); null: not judged. */
  maxLoadBalancerErrorIncrease: number | null;
  /** Requests the load balancer must have served since the step began before the rule judges. */
  minRequests: number;
}

const pct = (share: number) => `${(share * 100).toFixed(2)} %`;
const points = (share: number) => `${(share * 100).toFixed(2)} points`;

function describe(window: LoadBalancerWindow): string {
  const parts = (['502', '503', '504'] as const)
    .filter((code) => window.byStatus?.[code] !== undefined)
    .map((code) => `${code} ×${window.byStatus?.[code] ?? 0}`);
  const detail = parts.length > 0 ? `; ${parts.join(', ')}` : '';
  return `${window.errors} of ${window.requests} requests, ${pct(loadBalancerErrorRate(window))}${detail}`;
}

/**
 * The load balancer's own 5xx since `startedAt` against their rate before the deployment: fails
 * when the rate rose by more than the limit; inconclusive (never pass) while no published period
 * of the step exists yet or the load balancer served fewer than `minRequests`; pass otherwise.
 * A baseline without traffic counts as 0 %, the strictest reading. Null readings (a source whose
 * per-target-group figures already count these errors against the color): not judged.
 */
export function judgeLoadBalancerErrors(
  rule: LoadBalancerRule,
  startedAt: number,
  readings: LoadBalancerReadings | null,
): GateVerdict {
  const limit = rule.maxLoadBalancerErrorIncrease;
  if (limit === null || readings === null) return { verdict: 'pass', reasons: [] };
  const { step, baseline } = readings;
  const source = `load balancer ${step.loadBalancer}, shared by both colors`;
  if (step.until <= startedAt) {
    return {
      verdict: 'inconclusive',
      reasons: [`load-balancer 5xx (source: ${source}): no published period since it began yet`],
    };
  }
  if (Math.max(step.requests, step.errors) < rule.minRequests) {
    return {
      verdict: 'inconclusive',
      reasons: [
        `load-balancer 5xx (source: ${source}): ${step.requests} requests since it began, fewer than minRequests ${rule.minRequests}`,
      ],
    };
  }
  const before = loadBalancerErrorRate(baseline);
  const now = loadBalancerErrorRate(step);
  const increase = now - before;
  const baselineText =
    baseline.requests === 0 && baseline.errors === 0
      ? 'no traffic before the deployment (taken as 0 %)'
      : `${describe(baseline)} in the ${Math.round((baseline.until - baseline.from) / 1000)} s before the deployment`;
  const summary =
    `load-balancer 5xx (source: ${source}): ${describe(step)} since it began vs ${baselineText}: ` +
    `${increase >= 0 ? '+' : '−'}${points(Math.abs(increase))}`;
  if (increase > limit) {
    return {
      verdict: 'fail',
      reasons: [`${summary}, above the +${points(limit)} limit (gate.maxLoadBalancerErrorIncrease)`],
    };
  }
  return { verdict: 'pass', reasons: [`${summary}, within +${points(limit)}`] };
}
