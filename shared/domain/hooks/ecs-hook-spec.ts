/**
 * How Greenlight's gate judges an ECS built-in deployment, as the hook reads it: the spec's gate,
 * probes and metrics schemas (the very ones of a Greenlight deployment spec), plus the holds that
 * ECS's own deployment configuration does not carry.
 *
 * Where it comes from: the `greenlight` key of the hook's `hookDetails`, set once when the hook is
 * registered in the service's `deploymentConfiguration.lifecycleHooks` (ECS passes a hook's
 * registration hookDetails to every invocation, so one function serves many services, each with
 * its own gate). No key: every default. It travels with the watch state in each IN_PROGRESS answer,
 * so whether ECS merges or replaces hookDetails (not stated in its docs), the spec is never lost.
 */
import { z } from 'zod';
import { GateSchema } from '../gate/gate-schema';
import { ProbesSchema } from '../gate/probes-schema';
import { DEFAULT_METRICS_MODEL, MetricsSchema } from '../gate/published-data';
import { DeploymentIdSchema } from '../deployment';
import { TestTrafficSchema } from '../spec';
import { secondsSchema } from '../validation';
import { describeIssues, type Parsed } from './ecs-hook-event';

/** The key of hookDetails that holds the hook spec. */
export const HOOK_SPEC_KEY = 'greenlight';

/** The test-traffic round's settings; the test listener rule is the service's own. */
const HookTestTrafficSchema = TestTrafficSchema.omit({ listener: true, rule: true });

export const EcsHookSpecSchema = z
  .object({
    /** Set when Greenlight started the deployment: the hook writes its history onto that record. */
    deploymentId: DeploymentIdSchema.optional(),
    gate: GateSchema.default(GateSchema.parse({})),
    metrics: MetricsSchema.default(DEFAULT_METRICS_MODEL),
    /** CloudWatch alarms (names) watched at every judged stage: any in ALARM fails the watch at once. */
    alarms: z.array(z.string().min(1).max(255)).max(100).default([]),
    /** Probes through the test listener rule: required to judge POST_TEST_TRAFFIC_SHIFT. */
    probes: ProbesSchema.optional(),
    /** The test-traffic round: hold, rounds that fail in a row, timeout (the listener is the service's). */
    testTraffic: HookTestTrafficSchema.default(HookTestTrafficSchema.parse({})),
    /** Least time each production step (PRODUCTION_TRAFFIC_SHIFT) is watched, even when it passes earlier. */
    stepHoldSeconds: secondsSchema(86_400).default(60),
    /** Time at 100 % watched at POST_PRODUCTION_TRAFFIC_SHIFT before the hook lets ECS finish. */
    bakeSeconds: secondsSchema(86_400).default(300),
    bakeWindowSeconds: z.number().int().min(10).max(86_400).default(60),
  })
  .strict();
export type EcsHookSpec = z.output<typeof EcsHookSpecSchema>;
export type EcsHookSpecInput = z.input<typeof EcsHookSpecSchema>;

/** The hook spec in `hookDetails.greenlight`, every default when absent. */
export function hookSpecOf(hookDetails: Record<string, unknown>): Parsed<EcsHookSpec> {
  const parsed = EcsHookSpecSchema.safeParse(hookDetails[HOOK_SPEC_KEY] ?? {});
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, reason: describeIssues(parsed.error, `hookDetails.${HOOK_SPEC_KEY}`) };
}

/** A judged watch's kind: the test round, a production step, or the bake at 100 %. */
export type JudgedPhase = 'test' | 'step' | 'bake';

/** How long a phase is held, how much longer it may take to reach a pass, and its evaluation interval. */
export interface PhaseTiming {
  holdSeconds: number;
  /** Beyond the hold: the watch fails at `holdSeconds + marginSeconds` without a pass. */
  marginSeconds: number;
  intervalSeconds: number;
}

/** The timing of a phase of a hook's watch, as both hooks (ECS, CodeDeploy) read it from the spec. */
export function phaseTiming(spec: EcsHookSpec, phase: JudgedPhase): PhaseTiming {
  switch (phase) {
    case 'test':
      return {
        holdSeconds: spec.testTraffic.holdSeconds,
        marginSeconds: spec.testTraffic.timeoutSeconds,
        intervalSeconds: spec.testTraffic.intervalSeconds,
      };
    case 'step':
      return {
        holdSeconds: spec.stepHoldSeconds,
        marginSeconds: spec.gate.stepTimeoutSeconds,
        intervalSeconds: spec.gate.intervalSeconds,
      };
    case 'bake':
      return {
        holdSeconds: spec.bakeSeconds,
        marginSeconds: spec.gate.stepTimeoutSeconds,
        intervalSeconds: spec.gate.intervalSeconds,
      };
  }
}
