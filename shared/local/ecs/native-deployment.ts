/**
 * A SIMULATION of an Amazon ECS built-in LINEAR (or CANARY, BLUE_GREEN) deployment in the local rehearsal: this module
 * plays ECS's part, so that Greenlight's ECS lifecycle hook (functions/hooks/ecs-hook.ts, the very
 * handler deployed to Lambda) can be watched deciding against real processes and real traffic.
 * It is not ECS: it follows ECS's documented behaviour (Developer Guide, "Amazon ECS linear
 * deployments", "Lifecycle hooks for Amazon ECS service deployments", "Lambda hooks ...").
 *
 * Modelled, as ECS does it:
 * - the new service revision's tasks start beside the old ones (in the alternate target group; ECS
 *   alternates the pair from one deployment to the next) and must be steady and healthy first;
 * - the lifecycle stages in order, each invoking the hook (when registered for it) with the
 *   documented payload: weights only at the traffic-shift stages (and RECONCILE_SERVICE), `{}` at
 *   POST_* stages, as the docs' examples show;
 * - the hook's answers: IN_PROGRESS → wait `callBackDelay` (default 30 s) and invoke again with the
 *   hookDetails it returned; SUCCEEDED → next stage; FAILED, no valid hookStatus or a failed
 *   invocation → rollback;
 * - LINEAR traffic shifting: production weights moved by `stepPercent` up to 100 %, the
 *   PRODUCTION_TRAFFIC_SHIFT hook invoked at every step after the shift, `stepBakeTimeInMinutes`
 *   waited between steps (not after 100 %), `bakeTimeInMinutes` waited at 100 % before the old
 *   revision's tasks stop; CANARY as the shifts canaryPercent then 100 % (canaryBakeTimeInMinutes
 *   between), BLUE_GREEN as one shift to 100 %, each followed by the same hook;
 * - the hook's timeout (`timeoutMinutes`, ECS's default 1,440): a stage still IN_PROGRESS then rolls back;
 * - rollback: production and then test traffic shifted back to the old revision, the
 *   PRODUCTION_TRAFFIC_SHIFT and TEST_TRAFFIC_SHIFT hooks invoked again with the reversed weights
 *   (the new revision at 0 %), then the new revision's tasks stopped.
 * - StopServiceDeployment with ROLLBACK (`stop` signal): the rollback above, from wherever the
 *   deployment is (a hook invocation under way is answered first; waits end at once).
 *
 * Compressed (named in every output): ECS's minute-based waits (`stepBakeTimeInMinutes`,
 * `bakeTimeInMinutes`, the hook timeout) last `realMsPerEcsMinute` real milliseconds per minute;
 * `callBackDelay` is waited in full unless `callBackDelayScale` says otherwise.
 *
 * Not modelled: ECS's deployment circuit breaker, CloudWatch alarms (`deploymentConfiguration.
 * alarms`), PAUSE hooks and ContinueServiceDeployment, StopServiceDeployment's STOP type (no
 * rollback), Lambda's own timeout and retries of a failed invocation, ECS's service-revision
 * bookkeeping (one simulated service: the rehearsal's two process groups stand for the two
 * revisions' tasks), the order in which ECS
 * re-invokes the traffic-shift hooks on rollback (not documented: production first here), and
 * whether ECS carries hookDetails from one stage to the next (not documented: each stage starts
 * from the registration's hookDetails here).
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { InvalidInputError } from '../../domain/errors';
import { ECS_LIFECYCLE_STAGES, type EcsLifecycleStage } from '../../domain/hooks/ecs-hook-event';
import type { Fleet, SlotRef, SlotStatus } from '../../ports/fleet';
import { DEFAULT_LISTENER, type AlbProxy } from '../alb/proxy';

export const SIMULATED_ACCOUNT = '000000000000';
export const SIMULATED_REGION = 'local';

/** ECS's `linearConfiguration`, with the deployment's bake time. */
export interface LinearDeploymentConfiguration {
  /** Percentage of production traffic moved per step (ECS: 3.0–100.0; integers here: the proxy's weights are). */
  stepPercent: number;
  /** Minutes waited between two steps (ECS: 0–1440, default 6), not after 100 %. */
  stepBakeTimeInMinutes: number;
  /** Minutes at 100 % before the old revision's tasks stop (ECS: 0–1440). */
  bakeTimeInMinutes: number;
}

/** ECS's CANARY strategy: `canaryPercent`, then 100 % after `canaryBakeTimeInMinutes`. */
export interface CanaryDeploymentConfiguration {
  strategy: 'CANARY';
  /** ECS: 0.1–100.0; integers here (the proxy's weights are). */
  canaryPercent: number;
  canaryBakeTimeInMinutes: number;
  bakeTimeInMinutes: number;
}

/** ECS's BLUE_GREEN strategy: one production shift to 100 %. */
export interface BlueGreenDeploymentConfiguration {
  strategy: 'BLUE_GREEN';
  bakeTimeInMinutes: number;
}

/** A strategy the simulation plays; without `strategy`, LINEAR. */
export type SimulatedDeploymentConfiguration =
  | (LinearDeploymentConfiguration & { strategy?: 'LINEAR' })
  | CanaryDeploymentConfiguration
  | BlueGreenDeploymentConfiguration;

/** One entry of ECS's `lifecycleHooks`, as the simulation needs it. */
export interface SimulatedLifecycleHook {
  lifecycleStages: readonly EcsLifecycleStage[];
  /** The registration's hookDetails (Greenlight's gate under `greenlight`). */
  hookDetails: Record<string, unknown>;
  /** ECS's hook timeout in minutes (default 1,440), compressed like every ECS minute. */
  timeoutMinutes?: number;
  /** The Lambda function ECS invokes: here, the handler itself, called in-process. */
  invoke: (event: unknown, context: Context) => Promise<unknown>;
}

/** How the simulation compresses ECS's time. */
export interface SimulationTiming {
  /** Real milliseconds one ECS minute lasts (60,000 = uncompressed). */
  realMsPerEcsMinute: number;
  /** Multiplies every callBackDelay (1 = waited in full). */
  callBackDelayScale?: number;
}

/** One revision's side of the simulated service: a process group of the rehearsal's fleet and its target group. */
export interface RevisionSlot {
  slot: SlotRef;
  targetGroup: string;
}

export interface SimulatedServiceOptions {
  cluster: string;
  service: string;
  /** The pair of target groups (ECS's targetGroupArn and alternateTargetGroupArn) and their process groups. */
  slots: readonly [RevisionSlot, RevisionSlot];
  /** The slot serving the current revision. */
  live: 0 | 1;
  /** Its task definition. */
  taskDefinition: string;
  desiredCount: number;
  /** The proxy listener that stands for the production listener rule, and the test one. */
  listeners: { production: string; test: string };
  /** How long the new tasks may take to be steady and healthy before the deployment rolls back. */
  scaleUpTimeoutMs?: number;
}

/** One hook invocation as the simulation made it and read its answer. */
export interface HookInvocation {
  stage: EcsLifecycleStage;
  /** The new revision's production share the event stated (null where its weights are `{}`). */
  productionPercent: number | null;
  rollback: boolean;
  /** Real time of the invocation (epoch ms). */
  at: number;
  hookStatus: string;
  callBackDelay: number | null;
}

/** ECS's ServiceDeployment statuses the simulation ends in. */
export type SimulatedDeploymentStatus = 'SUCCESSFUL' | 'ROLLBACK_SUCCESSFUL';

export interface SimulatedDeploymentResult {
  status: SimulatedDeploymentStatus;
  deploymentArn: string;
  sourceRevisionArn: string;
  targetRevisionArn: string;
  image: string;
  /** Target groups of the old (live) and new revision during this deployment. */
  targetGroups: { live: string; new: string };
  /** The stage whose hook failed (or timed out), or STOPPED (StopServiceDeployment), and why; null when successful. */
  failedStage: EcsLifecycleStage | 'SCALE_UP' | 'STOPPED' | null;
  cause: string | null;
  invocations: HookInvocation[];
  /** Every production weight change: the new revision's share, real time. */
  productionShifts: { at: number; newPercent: number }[];
  startedAt: number;
  endedAt: number;
}

export type StageEvent =
  | {
      type: 'stage';
      stage: EcsLifecycleStage | 'SCALE_UP' | 'BAKE' | 'CLEANUP' | 'ROLLBACK';
      detail?: string;
    }
  | { type: 'invocation'; invocation: HookInvocation };

const VALID_STATUSES = new Set(['SUCCEEDED', 'FAILED', 'IN_PROGRESS']);
/** ECS's default callBackDelay when an IN_PROGRESS answer carries none. */
const DEFAULT_CALLBACK_DELAY_SECONDS = 30;
const DEFAULT_HOOK_TIMEOUT_MINUTES = 1440;

class DeploymentFailure extends Error {
  constructor(
    readonly stage: EcsLifecycleStage | 'SCALE_UP' | 'STOPPED',
    message: string,
  ) {
    super(message);
    this.name = 'DeploymentFailure';
  }
}

/**
 * A strategy's production shifts and the ECS minutes waited between two of them (not after 100 %):
 * LINEAR's steps, CANARY's canaryPercent then 100, BLUE_GREEN's one shift.
 */
export function shiftsOf(c: SimulatedDeploymentConfiguration): { steps: number[]; betweenMinutes: number } {
  const minutes = (field: string, v: number) => {
    if (!Number.isInteger(v) || v < 0 || v > 1440) {
      throw new InvalidInputError(`${field}: expected an integer from 0 to 1440 minutes, got ${v}`);
    }
    return v;
  };
  minutes('bakeTimeInMinutes', c.bakeTimeInMinutes);
  if (c.strategy === 'BLUE_GREEN') return { steps: [100], betweenMinutes: 0 };
  if (c.strategy === 'CANARY') {
    if (!Number.isInteger(c.canaryPercent) || c.canaryPercent < 1 || c.canaryPercent > 99) {
      throw new InvalidInputError(
        `canaryConfiguration.canaryPercent: expected an integer from 1 to 99 in the simulation (ECS takes multiples of 0.1; the local proxy integer weights), got ${c.canaryPercent}`,
      );
    }
    return {
      steps: [c.canaryPercent, 100],
      betweenMinutes: minutes('canaryBakeTimeInMinutes', c.canaryBakeTimeInMinutes),
    };
  }
  return {
    steps: linearSteps(c.stepPercent),
    betweenMinutes: minutes('stepBakeTimeInMinutes', c.stepBakeTimeInMinutes),
  };
}

/** The production steps of a linear configuration: stepPercent, 2·stepPercent, … capped at 100. */
export function linearSteps(stepPercent: number): number[] {
  if (!Number.isInteger(stepPercent) || stepPercent < 3 || stepPercent > 100) {
    throw new InvalidInputError(
      `linearConfiguration.stepPercent: expected an integer from 3 to 100 in the simulation (ECS takes multiples of 0.1; the local proxy integer weights), got ${stepPercent}`,
    );
  }
  const steps: number[] = [];
  for (let p = stepPercent; p < 100; p += stepPercent) steps.push(p);
  return [...steps, 100];
}

/**
 * The weights ECS's documented payloads carry at a forward stage: test weights at
 * TEST_TRAFFIC_SHIFT (and RECONCILE_SERVICE), production weights at PRODUCTION_TRAFFIC_SHIFT (the
 * step's share; 0 at RECONCILE_SERVICE), `{}` at every other stage.
 */
export function stageWeights(
  stage: EcsLifecycleStage,
  revisions: { live: string; new: string },
  productionPercent: number,
): { testTrafficWeights: Record<string, number>; productionTrafficWeights: Record<string, number> } {
  const split = (share: number) => ({ [revisions.live]: 100 - share, [revisions.new]: share });
  return {
    testTrafficWeights: stage === 'TEST_TRAFFIC_SHIFT' || stage === 'RECONCILE_SERVICE' ? split(100) : {},
    productionTrafficWeights:
      stage === 'PRODUCTION_TRAFFIC_SHIFT'
        ? split(productionPercent)
        : stage === 'RECONCILE_SERVICE'
          ? split(0)
          : {},
  };
}

/** Waits `ms`, or less when `signal` aborts (StopServiceDeployment ends every wait at once). */
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/** A new service deployment ARN, shaped like ECS's. */
export function serviceDeploymentArn(cluster: string, service: string): string {
  return `arn:aws:ecs:${SIMULATED_REGION}:${SIMULATED_ACCOUNT}:service-deployment/${cluster}/${service}/${randomUUID().replace(/-/g, '').slice(0, 21)}`;
}

/** The cause a deployment stopped by StopServiceDeployment (ROLLBACK) ends with. */
export const STOPPED_CAUSE = 'StopServiceDeployment (ROLLBACK) requested';

function lambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${SIMULATED_REGION}:${SIMULATED_ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * A simulated ECS service with the LINEAR strategy over the rehearsal's fleet and proxy: each
 * `deploy` is one service deployment of a new revision, played stage by stage.
 */
export class SimulatedEcsLinearService {
  readonly serviceArn: string;
  private live: 0 | 1;
  private taskDefinition: string;
  /** The live revision's number, and the last one issued (a rolled-back revision keeps its number). */
  private revision = 1;
  private issued = 1;
  /** Which process group runs each revision issued (its tasks, as a revision's are on ECS). */
  private readonly revisionSlots = new Map<string, SlotRef>();

  constructor(
    private readonly deps: {
      proxy: Pick<AlbProxy, 'setWeights'>;
      fleet: Pick<Fleet, 'deploy' | 'scale' | 'describe' | 'registerRevision'>;
    },
    private readonly options: SimulatedServiceOptions,
  ) {
    this.serviceArn = `arn:aws:ecs:${SIMULATED_REGION}:${SIMULATED_ACCOUNT}:service/${options.cluster}/${options.service}`;
    this.live = options.live;
    this.taskDefinition = options.taskDefinition;
    this.revisionSlots.set(this.revisionArnOf(this.revision), options.slots[options.live].slot);
  }

  /** The process group of a revision this service issued, or null (what DescribeServiceRevisions resolves). */
  revisionSlot(serviceRevisionArn: string): SlotRef | null {
    return this.revisionSlots.get(serviceRevisionArn) ?? null;
  }

  /** The current (live) revision's service revision ARN. */
  get revisionArn(): string {
    return this.revisionArnOf(this.revision);
  }

  /** The target group the current revision serves from. */
  get liveTargetGroup(): string {
    return this.options.slots[this.live].targetGroup;
  }

  /** Both target groups, as DescribeServices lists them (targetGroupArn, alternateTargetGroupArn). */
  get targetGroupPair(): readonly [string, string] {
    return [this.options.slots[0].targetGroup, this.options.slots[1].targetGroup];
  }

  private revisionArnOf(n: number): string {
    return `arn:aws:ecs:${SIMULATED_REGION}:${SIMULATED_ACCOUNT}:service-revision/${this.options.cluster}/${this.options.service}/${String(n).padStart(19, '0')}`;
  }

  /**
   * The service as DescribeServices shows it: the live revision's task definition, with the
   * counts and steadiness of the process group that runs it.
   */
  async describe(): Promise<SlotStatus> {
    const status = await this.deps.fleet.describe(this.options.slots[this.live].slot);
    return { ...status, taskDefinition: this.taskDefinition };
  }

  /** The service's name and cluster, as UpdateService names them. */
  get names(): { cluster: string; service: string } {
    return { cluster: this.options.cluster, service: this.options.service };
  }

  /**
   * One service deployment of `image` (UpdateService with a new task definition), to its end.
   * `taskDefinition`, when given, is the new revision as registered already (its image is then
   * `image` for the report only); otherwise one is registered from the live one with `image`.
   */
  async deploy(input: {
    image: string;
    container: string;
    taskDefinition?: string;
    /** The deployment's ARN, when the caller named it first (see serviceDeploymentArn). */
    deploymentArn?: string;
    /** StopServiceDeployment with ROLLBACK: aborting it rolls the deployment back. */
    stop?: AbortSignal;
    configuration: SimulatedDeploymentConfiguration;
    hook: SimulatedLifecycleHook;
    timing: SimulationTiming;
    onEvent?: (event: StageEvent) => void;
  }): Promise<SimulatedDeploymentResult> {
    const { configuration, hook, timing } = input;
    const { steps, betweenMinutes } = shiftsOf(configuration);
    for (const stage of hook.lifecycleStages) {
      if (!ECS_LIFECYCLE_STAGES.includes(stage)) {
        throw new InvalidInputError(`lifecycleHooks[].lifecycleStages: unknown stage "${stage}"`);
      }
    }
    const emit = input.onEvent ?? (() => undefined);
    const ecsMs = (minutes: number) => minutes * timing.realMsPerEcsMinute;
    const liveSlot = this.options.slots[this.live];
    const newIndex = (this.live === 0 ? 1 : 0) as 0 | 1;
    const newSlot = this.options.slots[newIndex];
    this.issued += 1;
    const newRevision = this.issued;
    const revisions = { live: this.revisionArn, new: this.revisionArnOf(newRevision) };
    this.revisionSlots.set(revisions.new, newSlot.slot);
    const deploymentArn =
      input.deploymentArn ?? serviceDeploymentArn(this.options.cluster, this.options.service);
    const stop = input.stop;
    const checkStop = () => {
      if (stop?.aborted) throw new DeploymentFailure('STOPPED', STOPPED_CAUSE);
    };
    const invocations: HookInvocation[] = [];
    const productionShifts: { at: number; newPercent: number }[] = [];
    const startedAt = Date.now();
    let productionPercent = 0;
    let testOnNew = false;

    const shiftProduction = (share: number) => {
      this.deps.proxy.setWeights(
        { [liveSlot.targetGroup]: 100 - share, [newSlot.targetGroup]: share },
        this.listener('production'),
      );
      productionPercent = share;
      productionShifts.push({ at: Date.now(), newPercent: share });
    };
    const shiftTest = (share: number) => {
      this.deps.proxy.setWeights(
        { [liveSlot.targetGroup]: 100 - share, [newSlot.targetGroup]: share },
        this.listener('test'),
      );
      testOnNew = share > 0;
    };

    /** Invokes the hook for `stage` until it answers other than IN_PROGRESS; throws DeploymentFailure on FAILED. */
    const runHook = async (
      stage: EcsLifecycleStage,
      weights: ReturnType<typeof stageWeights>,
      rollback: boolean,
    ): Promise<void> => {
      emit({ type: 'stage', stage, ...(rollback ? { detail: 'rollback: reversed weights' } : {}) });
      if (!hook.lifecycleStages.includes(stage)) return;
      const executionId = randomUUID();
      const stageStarted = Date.now();
      const timeoutMs = ecsMs(hook.timeoutMinutes ?? DEFAULT_HOOK_TIMEOUT_MINUTES);
      let hookDetails: Record<string, unknown> = structuredClone(hook.hookDetails);
      for (;;) {
        const event = {
          executionId,
          lifecycleStage: stage,
          resourceArn: deploymentArn,
          executionDetails: {
            serviceArn: this.serviceArn,
            targetServiceRevisionArn: revisions.new,
            ...weights,
          },
          hookDetails,
        };
        const at = Date.now();
        let answer: unknown;
        try {
          // What ECS sends is JSON: the hook never shares objects with the simulation.
          answer = await hook.invoke(JSON.parse(JSON.stringify(event)), lambdaContext('greenlight-ecs-hook'));
        } catch (error) {
          // A failed invocation (Lambda's own retries are not modelled) fails the stage.
          const message = error instanceof Error ? error.message : String(error);
          invocations.push({
            stage,
            productionPercent: null,
            rollback,
            at,
            hookStatus: '(invocation failed)',
            callBackDelay: null,
          });
          if (rollback) return;
          throw new DeploymentFailure(stage, `the hook's invocation failed (${message.slice(0, 200)})`);
        }
        const a = (typeof answer === 'object' && answer !== null ? answer : {}) as Record<string, unknown>;
        const hookStatus = typeof a.hookStatus === 'string' ? a.hookStatus : '(none)';
        const callBackDelay =
          typeof a.callBackDelay === 'number' && a.callBackDelay >= 0 ? a.callBackDelay : null;
        const production = weights.productionTrafficWeights[revisions.new];
        const invocation: HookInvocation = {
          stage,
          productionPercent: production ?? null,
          rollback,
          at,
          hookStatus,
          callBackDelay,
        };
        invocations.push(invocation);
        emit({ type: 'invocation', invocation });
        if (rollback) {
          // Whatever the hook answers now, ECS is already rolling back: only IN_PROGRESS delays it.
          if (hookStatus !== 'IN_PROGRESS') return;
        } else {
          if (hookStatus === 'SUCCEEDED') return;
          if (!VALID_STATUSES.has(hookStatus)) {
            throw new DeploymentFailure(stage, `the hook answered no valid hookStatus (${hookStatus})`);
          }
          if (hookStatus === 'FAILED') throw new DeploymentFailure(stage, 'the hook answered FAILED');
        }
        const delayMs =
          (callBackDelay ?? DEFAULT_CALLBACK_DELAY_SECONDS) * 1000 * (timing.callBackDelayScale ?? 1);
        if (Date.now() + delayMs - stageStarted > timeoutMs) {
          if (rollback) return;
          throw new DeploymentFailure(
            stage,
            `the hook was still IN_PROGRESS at its timeout (${hook.timeoutMinutes ?? DEFAULT_HOOK_TIMEOUT_MINUTES} ECS minutes)`,
          );
        }
        await sleep(delayMs, rollback ? undefined : stop);
        if (!rollback) checkStop();
        const details = a.hookDetails;
        hookDetails =
          typeof details === 'object' && details !== null && !Array.isArray(details)
            ? (JSON.parse(JSON.stringify(details)) as Record<string, unknown>)
            : hookDetails;
      }
    };

    const forward = (stage: EcsLifecycleStage, share = productionPercent) => {
      checkStop();
      return runHook(stage, stageWeights(stage, revisions, share), false);
    };
    const wait = async (ms: number) => {
      await sleep(ms, stop);
      checkStop();
    };

    const result = (
      status: SimulatedDeploymentStatus,
      failedStage: SimulatedDeploymentResult['failedStage'],
      cause: string | null,
    ): SimulatedDeploymentResult => ({
      status,
      deploymentArn,
      sourceRevisionArn: revisions.live,
      targetRevisionArn: revisions.new,
      image: input.image,
      targetGroups: { live: liveSlot.targetGroup, new: newSlot.targetGroup },
      failedStage,
      cause,
      invocations,
      productionShifts,
      startedAt,
      endedAt: Date.now(),
    });

    let newTaskDefinition = input.taskDefinition ?? '';
    try {
      if (!input.taskDefinition) {
        newTaskDefinition = await this.deps.fleet.registerRevision({
          from: this.taskDefinition,
          container: input.container,
          image: input.image,
        });
      }
      await forward('RECONCILE_SERVICE', 0);
      await forward('PRE_SCALE_UP');
      emit({
        type: 'stage',
        stage: 'SCALE_UP',
        detail: `${this.options.desiredCount} tasks of ${input.image} in ${newSlot.targetGroup}`,
      });
      await this.deps.fleet.deploy(newSlot.slot, newTaskDefinition, this.options.desiredCount);
      await this.waitSteady(newSlot.slot, stop);
      checkStop();
      await forward('POST_SCALE_UP');
      shiftTest(100);
      await forward('TEST_TRAFFIC_SHIFT');
      await forward('POST_TEST_TRAFFIC_SHIFT');
      await forward('PRE_PRODUCTION_TRAFFIC_SHIFT');
      for (const [i, share] of steps.entries()) {
        checkStop();
        shiftProduction(share);
        await forward('PRODUCTION_TRAFFIC_SHIFT', share);
        if (i < steps.length - 1 && betweenMinutes > 0) {
          await wait(ecsMs(betweenMinutes));
        }
      }
      await forward('POST_PRODUCTION_TRAFFIC_SHIFT', 100);
      emit({
        type: 'stage',
        stage: 'BAKE',
        detail: `${configuration.bakeTimeInMinutes} ECS min (old revision kept, not watched)`,
      });
      await wait(ecsMs(configuration.bakeTimeInMinutes));
    } catch (error) {
      // Anything else is a fault of the simulation itself: traffic is restored all the same, then it is thrown.
      const failure = error instanceof DeploymentFailure ? error : null;
      emit({
        type: 'stage',
        stage: 'ROLLBACK',
        detail: failure ? `${failure.stage}: ${failure.message}` : 'simulation error',
      });
      const reversed = {
        testTrafficWeights: { [revisions.live]: 100, [revisions.new]: 0 },
        productionTrafficWeights: { [revisions.live]: 100, [revisions.new]: 0 },
      };
      if (productionPercent > 0) shiftProduction(0);
      await runHook('PRODUCTION_TRAFFIC_SHIFT', reversed, true);
      if (testOnNew) shiftTest(0);
      await runHook('TEST_TRAFFIC_SHIFT', reversed, true);
      await this.deps.fleet.scale(newSlot.slot, 0);
      emit({
        type: 'stage',
        stage: 'CLEANUP',
        detail: `new revision's tasks in ${newSlot.targetGroup} stopped`,
      });
      if (!failure) throw error;
      return result('ROLLBACK_SUCCESSFUL', failure.stage, failure.message);
    }
    emit({
      type: 'stage',
      stage: 'CLEANUP',
      detail: `old revision's tasks in ${liveSlot.targetGroup} stopped`,
    });
    // The new revision is the service's now: the next deployment goes to the other target group.
    await this.deps.fleet.scale(liveSlot.slot, 0);
    this.live = newIndex;
    this.taskDefinition = newTaskDefinition;
    this.revision = newRevision;
    return result('SUCCESSFUL', null, null);
  }

  private listener(which: 'production' | 'test'): string {
    const name = this.options.listeners[which];
    return which === 'production' ? DEFAULT_LISTENER : name;
  }

  private async waitSteady(slot: SlotRef, stop?: AbortSignal): Promise<void> {
    const deadline = Date.now() + (this.options.scaleUpTimeoutMs ?? 60_000);
    for (;;) {
      if (stop?.aborted) return;
      const status = await this.deps.fleet.describe(slot);
      if (status.steady) return;
      if (Date.now() > deadline) {
        throw new DeploymentFailure(
          'SCALE_UP',
          `the new revision's tasks were not steady and healthy in ${slot.service} in time`,
        );
      }
      await sleep(200, stop);
    }
  }
}
