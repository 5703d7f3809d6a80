/**
 * A dry run of a deployment (`greenlight plan`, `POST /deployments` with `"dryRun": true`): what
 * Prepare would check and decide, from read-only readings of the account, and the plan the
 * workflow would walk. Pure: functions/deploy/dry-run.ts does the reading; this decides and
 * summarises. Like `ecspresso diff` / `verify`: the task definition diff shows only what changes.
 */
import { otherColor, soleColor, type Color, type Weights } from './colors';
import { InvalidInputError } from './errors';
import type { Gate } from './gate/gate-schema';
import {
  EXECUTION_TIME_BUDGET_SECONDS,
  HISTORY_EVENT_BUDGET,
  maxHistoryEvents,
  worstCaseSeconds,
} from './history-budget';
import { maxDurationSeconds } from './plan';
import { firingAlarmsRefusal, missingAlarmsIssues, stickinessRefusal } from './preflight';
import { describeScaling, type DeploymentScaling } from './scaling';
import { greenlightParts, type DeploymentSpec } from './spec';

/** A task definition as JSON (DescribeTaskDefinition's writable fields, or a local definition). */
export type TaskDefinitionDocument = Record<string, unknown>;

/** One field that differs between two documents: its path, its value before and after (absent: undefined). */
export interface FieldChange {
  path: string;
  before?: unknown;
  after?: unknown;
}

/**
 * The copy of `definition` Prepare registers: only `container`'s image changed. Throws
 * InvalidInputError (on `spec.container.name`) when the definition has no such container.
 */
export function withContainerImage(
  definition: TaskDefinitionDocument,
  container: string,
  image: string,
): TaskDefinitionDocument {
  const containers = Array.isArray(definition.containerDefinitions) ? definition.containerDefinitions : [];
  const names = containers.map((c) => (c as { name?: unknown })?.name);
  if (!names.includes(container)) {
    const known = names.filter((n) => typeof n === 'string').join(', ') || '(none)';
    const message = `container ${container} is not in the live task definition; its containers are: ${known}`;
    throw new InvalidInputError(message, [{ path: 'spec.container.name', message }]);
  }
  return {
    ...structuredClone(definition),
    containerDefinitions: containers.map((c) =>
      (c as { name?: unknown }).name === container
        ? { ...structuredClone(c as object), image }
        : structuredClone(c),
    ),
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Arrays whose items all have a distinct string `name` (containers, environment) are compared by name. */
function byName(items: unknown[]): Map<string, unknown> | null {
  const map = new Map<string, unknown>();
  for (const item of items) {
    const name = isRecord(item) ? item.name : undefined;
    if (typeof name !== 'string' || map.has(name)) return null;
    map.set(name, item);
  }
  return map;
}

/**
 * Every field that differs between `before` and `after`, deepest first-differing path, in a
 * stable order: `containerDefinitions[web].image`. Named items (containers, environment
 * variables) are matched by name, so a reordering is no change; other arrays by index.
 */
export function diffDocuments(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (Object.is(before, after)) return [];
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) =>
      Object.hasOwn(before, k) && Object.hasOwn(after, k)
        ? diffDocuments(before[k], after[k], path ? `${path}.${k}` : k)
        : [
            change(
              path ? `${path}.${k}` : k,
              before[k],
              after[k],
              Object.hasOwn(before, k),
              Object.hasOwn(after, k),
            ),
          ],
    );
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const a = byName(before);
    const b = byName(after);
    if (a && b) {
      const names = [...new Set([...a.keys(), ...b.keys()])].sort();
      return names.flatMap((n) =>
        a.has(n) && b.has(n)
          ? diffDocuments(a.get(n), b.get(n), `${path}[${n}]`)
          : [change(`${path}[${n}]`, a.get(n), b.get(n), a.has(n), b.has(n))],
      );
    }
    const length = Math.max(before.length, after.length);
    return Array.from({ length }, (_, i) => i).flatMap((i) =>
      i < before.length && i < after.length
        ? diffDocuments(before[i], after[i], `${path}[${i}]`)
        : [change(`${path}[${i}]`, before[i], after[i], i < before.length, i < after.length)],
    );
  }
  return [{ path, before, after }];
}

function change(
  path: string,
  before: unknown,
  after: unknown,
  hadBefore: boolean,
  hasAfter: boolean,
): FieldChange {
  return { path, ...(hadBefore ? { before } : {}), ...(hasAfter ? { after } : {}) };
}

/** A step of the plan as the dry run shows it (the bake is the last, `phase: 'bake'`). */
export interface PlannedStep {
  phase: 'step' | 'bake';
  /** 1-based; the bake's is the number of plan steps + 1. */
  number: number;
  weight: number;
  holdSeconds: number;
  approval: boolean;
  gate: Pick<
    Gate,
    | 'mode'
    | 'intervalSeconds'
    | 'stepTimeoutSeconds'
    | 'maxErrorRate'
    | 'maxP99Ms'
    | 'minRequests'
    | 'consecutiveFailures'
    | 'minHealthyTargets'
  >;
}

const gateSummary = (g: Gate): PlannedStep['gate'] => ({
  mode: g.mode,
  intervalSeconds: g.intervalSeconds,
  stepTimeoutSeconds: g.stepTimeoutSeconds,
  maxErrorRate: g.maxErrorRate,
  maxP99Ms: g.maxP99Ms,
  minRequests: g.minRequests,
  consecutiveFailures: g.consecutiveFailures,
  minHealthyTargets: g.minHealthyTargets,
});

/** The steps the workflow walks for `spec`, then the bake at 100 %. */
export function plannedSteps(spec: DeploymentSpec): PlannedStep[] {
  return [
    ...spec.plan.steps.map((s, i) => ({
      phase: 'step' as const,
      number: i + 1,
      weight: s.weight,
      holdSeconds: s.holdSeconds,
      approval: s.approval === true,
      gate: gateSummary(s.gate),
    })),
    {
      phase: 'bake' as const,
      number: spec.plan.steps.length + 1,
      weight: 100,
      holdSeconds: spec.bakeSeconds,
      approval: false,
      gate: gateSummary(spec.gate),
    },
  ];
}

/** A reading that could not be made, or the refusal it would cause (Prepare's own error). */
export interface ReadFailure {
  failed: true;
  error: string;
  message: string;
}

/** What the dry run read, each reading or why it could not be made. */
export interface DryRunReadings {
  /** The spec's alarms CloudWatch does not know, and those in ALARM now. */
  alarms: { missing: string[]; firing: string[] } | ReadFailure;
  stickiness: { enabled: boolean; durationSeconds: number | null } | ReadFailure;
  weights: Weights | ReadFailure;
  /** The test listener's weights; null without testTraffic. */
  testWeights: Weights | null | ReadFailure;
  slots: Record<
    Color,
    { desiredCount: number; runningCount: number; taskDefinition: string | null } | ReadFailure
  >;
  /** The live color's task definition; null when there is no live color or it runs none. */
  liveDefinition: TaskDefinitionDocument | null | ReadFailure;
  scaling: DeploymentScaling | ReadFailure;
  /** The deployment holding the service's lock, if any (read from the store, not taken). */
  running: { id: string; step?: string } | null | ReadFailure;
}

export interface DryRunInput {
  spec: DeploymentSpec;
  image: string;
  force: boolean;
  readings: DryRunReadings;
}

export type AlarmState = 'ALARM' | 'not in ALARM' | 'missing';

/** The dry run's answer: everything Prepare would decide, and whether it would start. */
export interface DryRunPlan {
  service: string;
  cluster: string;
  image: string;
  /** Whether Prepare would start the deployment; `refusals` say why not. */
  wouldStart: boolean;
  refusals: string[];
  liveColor: Color | null;
  newColor: Color | null;
  weights: Weights | null;
  testWeights: Weights | null;
  alarms: { name: string; state: AlarmState }[];
  slots: Partial<
    Record<
      Color,
      { service: string; desiredCount: number; runningCount: number; taskDefinition: string | null }
    >
  >;
  /** The new color is brought up to the live color's desired count. */
  desiredCount: number | null;
  taskDefinition: {
    /** The live revision the new one is copied from. */
    from: string;
    /** Fields that change in the copy (only the container's image, unless something else differs). */
    changes: FieldChange[];
  } | null;
  scaling: Partial<Record<Color, string>>;
  steps: PlannedStep[];
  /** Longest run when every wait runs to its deadline, and the most a deployment may take. */
  worstCaseSeconds: number;
  executionBudgetSeconds: number;
  /** The lock's lease: how long Prepare would hold the service. */
  lockLeaseSeconds: number;
  historyEvents: { worstCase: number; budget: number };
}

const failed = (r: unknown): r is ReadFailure => isRecord(r) && r.failed === true;

/** Decides, as Prepare would, from the readings; never throws for a refusal (it is listed). */
export function dryRunPlan(input: DryRunInput): DryRunPlan {
  const { spec, readings, image } = input;
  const refusals: string[] = [];
  const refuse = (r: ReadFailure) => refusals.push(`${r.error}: ${r.message}`);
  // Prepare's order: alarms exist, route not sticky, alarms quiet, lock, live color, live tasks, revision.
  let alarms: DryRunPlan['alarms'] = [];
  if (failed(readings.alarms)) refuse(readings.alarms);
  else {
    const { missing, firing } = readings.alarms;
    alarms = spec.alarms.map((name) => ({
      name,
      state: missing.includes(name) ? 'missing' : firing.includes(name) ? 'ALARM' : 'not in ALARM',
    }));
    const issues = missingAlarmsIssues(spec, missing);
    if (issues.length > 0)
      refusals.push(
        `InvalidInputError: spec names alarms that do not exist: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      );
    const firingRefusal = input.force
      ? null
      : firingAlarmsRefusal(firing.filter((f) => spec.alarms.includes(f)));
    if (firingRefusal) refusals.push(`ServiceStateError: ${firingRefusal}`);
  }
  if (failed(readings.stickiness)) refuse(readings.stickiness);
  else {
    const { traffic } = greenlightParts(spec);
    const route = traffic.rule ? `listener rule ${traffic.rule}` : `listener ${traffic.listener}`;
    const refusal = stickinessRefusal(readings.stickiness, spec.trafficSettleSeconds, route);
    if (refusal) refusals.push(`ServiceStateError: ${refusal}`);
  }
  if (failed(readings.running)) refuse(readings.running);
  else if (readings.running) {
    refusals.push(
      `LockConflictError: service ${spec.service} (cluster ${spec.cluster}) is being deployed by ${readings.running.id}${readings.running.step ? ` (${readings.running.step})` : ''}`,
    );
  }
  let liveColor: Color | null = null;
  if (failed(readings.weights)) refuse(readings.weights);
  else {
    liveColor = soleColor(readings.weights);
    if (!liveColor)
      refusals.push(
        `ServiceStateError: traffic is split (blue ${readings.weights.blue} %, green ${readings.weights.green} %): a previous deployment did not finish; restore a single live color first`,
      );
  }
  if (failed(readings.testWeights)) refuse(readings.testWeights);
  const slots: DryRunPlan['slots'] = {};
  for (const color of ['blue', 'green'] as const) {
    const slot = readings.slots[color];
    if (failed(slot)) refuse(slot);
    else slots[color] = { service: greenlightParts(spec).slots[color].service, ...slot };
  }
  const live = liveColor ? slots[liveColor] : undefined;
  if (liveColor && live && (!live.taskDefinition || live.desiredCount < 1)) {
    refusals.push(
      `ServiceStateError: live color ${liveColor} (${greenlightParts(spec).slots[liveColor].service}) runs no tasks: nothing to deploy beside`,
    );
  }
  let taskDefinition: DryRunPlan['taskDefinition'] = null;
  if (failed(readings.liveDefinition)) refuse(readings.liveDefinition);
  else if (readings.liveDefinition && live?.taskDefinition) {
    try {
      const next = withContainerImage(readings.liveDefinition, spec.container.name, image);
      taskDefinition = { from: live.taskDefinition, changes: diffDocuments(readings.liveDefinition, next) };
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      refusals.push(`InvalidInputError: ${error.message}`);
    }
  }
  const scaling: DryRunPlan['scaling'] = {};
  if (failed(readings.scaling)) refuse(readings.scaling);
  else
    for (const color of ['blue', 'green'] as const) scaling[color] = describeScaling(readings.scaling[color]);
  return {
    service: spec.service,
    cluster: spec.cluster,
    image,
    wouldStart: refusals.length === 0,
    refusals,
    liveColor,
    newColor: liveColor ? otherColor(liveColor) : null,
    weights: failed(readings.weights) ? null : readings.weights,
    testWeights: failed(readings.testWeights) ? null : readings.testWeights,
    alarms,
    slots,
    desiredCount: live?.desiredCount ?? null,
    taskDefinition,
    scaling,
    steps: plannedSteps(spec),
    worstCaseSeconds: worstCaseSeconds(spec),
    executionBudgetSeconds: EXECUTION_TIME_BUDGET_SECONDS,
    lockLeaseSeconds: maxDurationSeconds(spec),
    historyEvents: { worstCase: maxHistoryEvents(spec), budget: HISTORY_EVENT_BUDGET },
  };
}
