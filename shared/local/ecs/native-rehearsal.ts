/**
 * The SIMULATED ECS built-in LINEAR service over a rehearsal's service (its two process groups
 * and target groups), and Greenlight's real ECS hook handler reading that rehearsal: what the
 * ecs-native demo and LocalEcsController run on.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { createEcsHookHandler } from '../../../functions/hooks/ecs-hook';
import type { HookHistoryDeps } from '../../../functions/hooks/hook-history';
import { HttpProbe } from '../../aws/http-probe';
import type { DeploymentSpecInput } from '../../domain/spec';
import type { SlotRef, StoppedTask } from '../../ports/fleet';
import type { NewTaskStops } from '../../ports/new-task-stops';
import { LocalEcsBlueGreen } from './local-ecs-blue-green';
import { SimulatedEcsLinearService, type SimulationTiming } from './native-deployment';
import { LOCAL_CLUSTER, LOCAL_LISTENER, LOCAL_TEST_LISTENER, type Rehearsal } from '../rehearsal';

/** Greenlight's ECS hook function as the simulation registers it with the local Lambda model. */
export const LOCAL_ECS_HOOK_ARN = 'arn:aws:lambda:local:000000000000:function:greenlight-ecs-hook';

/** The role ECS would assume to invoke it (named in the spec; the simulation assumes nothing). */
export const LOCAL_ECS_HOOK_ROLE_ARN = 'arn:aws:iam::000000000000:role/greenlight-ecs-hook-invoke';

/** ECS's time in the lag-free rehearsal: one ECS minute lasts one real second (60×); callBackDelay is waited in full. */
export const LAG_FREE_ECS_TIMING: Required<SimulationTiming> = {
  realMsPerEcsMinute: 1000,
  callBackDelayScale: 1,
};

/** ECS's time on AWS timing: every ECS minute and callBackDelay second compressed as the rehearsal's clock. */
export function awsSimulationTiming(compress: number): Required<SimulationTiming> {
  return { realMsPerEcsMinute: 60_000 / compress, callBackDelayScale: 1 / compress };
}

/** The simulation's timing for `rehearsal`'s own (lag-free or AWS timing). */
export function simulationTimingOf(rehearsal: Pick<Rehearsal, 'awsTiming'>): Required<SimulationTiming> {
  return rehearsal.awsTiming ? awsSimulationTiming(rehearsal.awsTiming.compress) : LAG_FREE_ECS_TIMING;
}

type BaseService = { slots: NonNullable<DeploymentSpecInput['slots']> };

/** The simulated ECS service "`name`" over `base` (created by rehearsal.createService), blue live. */
export async function simulatedEcsService(
  rehearsal: Rehearsal,
  base: BaseService,
  options: { service: string; desiredCount: number },
): Promise<SimulatedEcsLinearService> {
  const blueSlot = { cluster: LOCAL_CLUSTER, service: base.slots.blue.service };
  const first = await rehearsal.fleet.describe(blueSlot);
  return new SimulatedEcsLinearService(
    { proxy: rehearsal.proxy, fleet: rehearsal.fleet },
    {
      cluster: LOCAL_CLUSTER,
      service: options.service,
      slots: [
        { slot: blueSlot, targetGroup: base.slots.blue.targetGroup },
        {
          slot: { cluster: LOCAL_CLUSTER, service: base.slots.green.service },
          targetGroup: base.slots.green.targetGroup,
        },
      ],
      live: 0,
      taskDefinition: first.taskDefinition!,
      desiredCount: options.desiredCount,
      listeners: { production: LOCAL_LISTENER, test: LOCAL_TEST_LISTENER },
    },
  );
}

/**
 * A revision's task stops in the simulation: the stops of the process group running it (one
 * group per revision, as the simulated service issues them). The simulation has no task sets.
 */
class RehearsalTaskStops implements Pick<NewTaskStops, 'ofServiceRevision'> {
  constructor(
    private readonly rehearsal: Rehearsal,
    private readonly service: SimulatedEcsLinearService,
  ) {}
  async ofServiceRevision(
    _service: SlotRef,
    serviceRevisionArn: string,
    sinceMs: number,
  ): Promise<StoppedTask[]> {
    const slot = this.service.revisionSlot(serviceRevisionArn);
    if (!slot) throw new Error(`service revision ${serviceRevisionArn}: not issued by the simulated service`);
    return this.rehearsal.fleet.stoppedTasks(slot, sinceMs);
  }
}

/** Greenlight's ECS hook handler (the deployed one) on the rehearsal's proxy, metrics, probes and clock. */
export function rehearsalEcsHook(
  rehearsal: Rehearsal,
  service: SimulatedEcsLinearService,
  base: BaseService,
  deps: {
    logger: Logger;
    metrics?: Rehearsal['metrics'];
    /** Where the hook writes its verdicts (the rehearsal's store and notifier); absent: nowhere. */
    history?: HookHistoryDeps;
  },
) {
  return createEcsHookHandler({
    blueGreen: new LocalEcsBlueGreen(rehearsal.proxy, {
      serviceArn: service.serviceArn,
      route: {
        targetGroup: base.slots.blue.targetGroup,
        alternateTargetGroup: base.slots.green.targetGroup,
        productionListenerRule: LOCAL_LISTENER,
        testListenerRule: LOCAL_TEST_LISTENER,
      },
      productionListener: LOCAL_LISTENER,
    }),
    metrics: deps.metrics ?? rehearsal.metrics,
    router: rehearsal.deps.router,
    probe: new HttpProbe(),
    taskStops: new RehearsalTaskStops(rehearsal, service),
    clock: rehearsal.clock,
    logger: deps.logger,
    ...(deps.history ? { history: deps.history } : {}),
  });
}
