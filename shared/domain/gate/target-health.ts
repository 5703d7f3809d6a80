/**
 * Target health as gate signals (pure). A new-color target failing its load balancer health checks
 * is a task the balancer has given up on, whatever the traffic it served still looks like.
 */
import type { GateVerdict, TargetHealth } from './verdict';
import type { Gate } from './gate-schema';

/**
 * Fails when more of the new color's targets are unhealthy than `maxUnhealthyTargets` allows.
 * Registering and draining targets are not unhealthy. Never inconclusive: the traffic verdict
 * decides the pass.
 */
export function judgeUnhealthyTargets(
  gate: Pick<Gate, 'maxUnhealthyTargets'>,
  health: TargetHealth,
  color: string,
): GateVerdict {
  const max = gate.maxUnhealthyTargets;
  const verdict = health.unhealthy > max ? 'fail' : 'pass';
  const comparison = verdict === 'fail' ? '>' : '≤';
  return {
    verdict,
    reasons: [`unhealthy ${color} targets ${health.unhealthy} ${comparison} ${max} allowed`],
  };
}

/**
 * The new color's targets as a verdict: fewer healthy targets than required fails; otherwise it
 * passes (a side signal: combined with the probes' verdict, it can only fail the round).
 */
export function judgeTargetHealth(health: TargetHealth, minHealthyTargets: number): GateVerdict {
  if (health.healthy < minHealthyTargets) {
    return {
      verdict: 'fail',
      reasons: [
        `healthy targets ${health.healthy} < ${minHealthyTargets} required (${health.unhealthy} unhealthy, ${health.transitioning} transitioning)`,
      ],
    };
  }
  return { verdict: 'pass', reasons: [`healthy targets ${health.healthy} ≥ ${minHealthyTargets}`] };
}
