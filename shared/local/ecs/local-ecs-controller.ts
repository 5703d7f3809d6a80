/**
 * The DeploymentController port over the SIMULATION of an ECS built-in LINEAR deployment
 * (native-deployment.ts): what EcsNativeDeployments does with UpdateService,
 * DescribeServiceDeployments and StopServiceDeployment on AWS, played by the rehearsal's simulated
 * service, whose lifecycle hook is invoked through the local Lambda model by its hookTargetArn.
 *
 * Modelled: the mapped deploymentConfiguration's strategy (LINEAR, CANARY, BLUE_GREEN with their
 * percentages and bake times) and its one lifecycle hook (stages, hookDetails,
 * timeoutConfiguration.timeoutInMinutes); ECS's statuses (IN_PROGRESS, ROLLBACK_IN_PROGRESS,
 * SUCCESSFUL, ROLLBACK_SUCCESSFUL, ROLLBACK_FAILED when the simulation itself fails); a repeated
 * start of the revision under way answers the same service deployment; StopServiceDeployment
 * with ROLLBACK.
 *
 * Refused, naming the field (the simulation does not model them): `alarms`, more than one lifecycle hook, a hook target that is not a registered local
 * function. Not modelled: PAUSE hooks and ContinueServiceDeployment (`promote` says so), a new
 * revision replacing one under way (ECS would stop the first; refused here).
 */
import type { EcsDeploymentConfiguration } from '../../domain/controllers/ecs-plan';
import { GreenlightError } from '../../domain/errors';
import type { EcsLifecycleStage } from '../../domain/hooks/ecs-hook-event';
import type { EcsNativeTarget } from '../../aws/ecs-native-deployments';
import type {
  DeploymentController,
  ExternalStart,
  ExternalStatus,
  PromoteOutcome,
} from '../../ports/controller';
import { invoker, type LocalLambda } from '../lambda/local-lambda';
import {
  shiftsOf,
  serviceDeploymentArn,
  type SimulatedDeploymentConfiguration,
  type SimulatedDeploymentResult,
  type SimulatedEcsLinearService,
  type SimulationTiming,
  type StageEvent,
} from './native-deployment';

/** The simulated service refused a request, or knows no such deployment. */
export class LocalEcsControllerError extends GreenlightError {}

const REASON_LIMIT = 500;

interface Tracked {
  taskDefinitionArn: string;
  rollingBack: boolean;
  stop: AbortController;
  result?: SimulatedDeploymentResult;
  error?: string;
  done: Promise<void>;
}

export class LocalEcsController implements DeploymentController<EcsNativeTarget> {
  private readonly deployments = new Map<string, Tracked>();
  private current: string | null = null;

  constructor(
    private readonly deps: {
      service: SimulatedEcsLinearService;
      /** Where the hook's function ARN is found (the local Lambda model). */
      lambda: LocalLambda;
      timing: SimulationTiming;
      /** Each stage and hook answer of every deployment, as the simulation plays it (for printing). */
      onEvent?: (event: StageEvent) => void;
    },
  ) {}

  async start(target: EcsNativeTarget, request: ExternalStart): Promise<{ deploymentId: string }> {
    const { cluster, service } = this.deps.service.names;
    if (request.cluster !== cluster) {
      throw new LocalEcsControllerError(
        `cluster: the simulated ECS service is in "${cluster}", got "${request.cluster}"`,
      );
    }
    if (target.service !== service && target.service !== this.deps.service.serviceArn) {
      throw new LocalEcsControllerError(
        `ecs.service: the simulated ECS service is "${service}", got "${target.service}"`,
      );
    }
    const { configuration, hook, stages } = this.simulated(target.configuration);
    const running = this.current ? this.deployments.get(this.current) : undefined;
    if (running && !running.result && !running.error) {
      // ECS answers UpdateService with the same deployment while its revision is the one under way.
      if (running.taskDefinitionArn === request.taskDefinitionArn) return { deploymentId: this.current! };
      throw new LocalEcsControllerError(
        `taskDefinition: service deployment ${this.current} of ${running.taskDefinitionArn} is under way; replacing it with another revision is not modelled`,
      );
    }
    const deploymentId = serviceDeploymentArn(cluster, service);
    const stop = new AbortController();
    const tracked: Tracked = {
      taskDefinitionArn: request.taskDefinitionArn,
      rollingBack: false,
      stop,
      done: Promise.resolve(),
    };
    tracked.done = this.deps.service
      .deploy({
        image: request.taskDefinitionArn,
        container: request.container.name,
        taskDefinition: request.taskDefinitionArn,
        deploymentArn: deploymentId,
        stop: stop.signal,
        configuration,
        hook: {
          lifecycleStages: stages,
          hookDetails: hook.hookDetails as unknown as Record<string, unknown>,
          timeoutMinutes: hook.timeoutConfiguration.timeoutInMinutes,
          invoke: invoker(this.deps.lambda, hook.hookTargetArn),
        },
        timing: this.deps.timing,
        onEvent: (event) => {
          if (event.type === 'stage' && event.stage === 'ROLLBACK') tracked.rollingBack = true;
          this.deps.onEvent?.(event);
        },
      })
      .then(
        (result) => {
          tracked.result = result;
        },
        (error: unknown) => {
          tracked.error = error instanceof Error ? error.message : String(error);
        },
      );
    this.deployments.set(deploymentId, tracked);
    this.current = deploymentId;
    return { deploymentId };
  }

  async status(deploymentId: string): Promise<ExternalStatus> {
    const d = this.find(deploymentId);
    if (d.error) {
      return {
        state: 'failed',
        controllerStatus: 'ROLLBACK_FAILED',
        reason: bounded(`simulation error: ${d.error}`),
      };
    }
    if (d.result?.status === 'SUCCESSFUL') return { state: 'succeeded', controllerStatus: 'SUCCESSFUL' };
    if (d.result) {
      return {
        state: 'rolled-back',
        controllerStatus: 'ROLLBACK_SUCCESSFUL',
        reason: bounded(`${d.result.failedStage}: ${d.result.cause}`),
      };
    }
    if (d.rollingBack || d.stop.signal.aborted) {
      return { state: 'rolling-back', controllerStatus: 'ROLLBACK_IN_PROGRESS' };
    }
    return { state: 'in-progress', controllerStatus: 'IN_PROGRESS' };
  }

  /** StopServiceDeployment (ROLLBACK): the simulation rolls back from where it is. */
  async abort(deploymentId: string): Promise<void> {
    const d = this.find(deploymentId);
    if (d.result || d.error) {
      // ECS stops only PENDING or IN_PROGRESS service deployments.
      throw new LocalEcsControllerError(`service deployment ${deploymentId} has ended: nothing to stop`);
    }
    d.stop.abort();
  }

  async promote(deploymentId: string): Promise<PromoteOutcome> {
    this.find(deploymentId);
    return {
      continued: false,
      reason:
        'PAUSE hooks and ContinueServiceDeployment are not modelled in the simulated ECS deployment: no wait to end',
    };
  }

  /** Resolves when the deployment has ended (for the rehearsal and tests). */
  async settled(deploymentId: string): Promise<SimulatedDeploymentResult | null> {
    const d = this.find(deploymentId);
    await d.done;
    return d.result ?? null;
  }

  private find(deploymentId: string): Tracked {
    const d = this.deployments.get(deploymentId);
    if (!d) throw new LocalEcsControllerError(`service deployment ${deploymentId} not found`);
    return d;
  }

  /** The configuration as the simulation plays it, or the field it does not model. */
  private simulated(c: EcsDeploymentConfiguration) {
    if (c.alarms) {
      throw new LocalEcsControllerError(
        'deploymentConfiguration.alarms: CloudWatch alarms are not modelled in the simulated ECS deployment',
      );
    }
    if (c.lifecycleHooks.length !== 1) {
      throw new LocalEcsControllerError(
        `deploymentConfiguration.lifecycleHooks: the simulated ECS deployment models exactly one hook, got ${c.lifecycleHooks.length}`,
      );
    }
    const hook = c.lifecycleHooks[0]!;
    if (!this.deps.lambda.arns().includes(hook.hookTargetArn)) {
      throw new LocalEcsControllerError(
        `deploymentConfiguration.lifecycleHooks[0].hookTargetArn: no local function "${hook.hookTargetArn}" (registered: ${this.deps.lambda.arns().join(', ') || 'none'})`,
      );
    }
    const configuration = simulatedConfiguration(c);
    // Refused here with the field named, not later inside the running simulation.
    shiftsOf(configuration);
    return { configuration, hook, stages: hook.lifecycleStages as readonly EcsLifecycleStage[] };
  }
}

/** ECS's strategy and its section, as the simulation takes them. */
function simulatedConfiguration(c: EcsDeploymentConfiguration): SimulatedDeploymentConfiguration {
  const { bakeTimeInMinutes } = c;
  switch (c.strategy) {
    case 'BLUE_GREEN':
      return { strategy: 'BLUE_GREEN', bakeTimeInMinutes };
    case 'CANARY':
      if (!c.canaryConfiguration) {
        throw new LocalEcsControllerError('deploymentConfiguration.canaryConfiguration: required by CANARY');
      }
      return { strategy: 'CANARY', ...c.canaryConfiguration, bakeTimeInMinutes };
    case 'LINEAR':
      if (!c.linearConfiguration) {
        throw new LocalEcsControllerError('deploymentConfiguration.linearConfiguration: required by LINEAR');
      }
      return { strategy: 'LINEAR', ...c.linearConfiguration, bakeTimeInMinutes };
  }
}

const bounded = (text: string) => text.slice(0, REASON_LIMIT);
