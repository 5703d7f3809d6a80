/** The Scaling port on Application Auto Scaling: one ECS service's desired count per slot. */
import {
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
  type ApplicationAutoScalingClient,
} from '@aws-sdk/client-application-auto-scaling';
import { clusterName } from '../domain/deployment';
import { GreenlightError, ThrottlingError } from '../domain/errors';
import { ALL_SUSPENDED, HELD_AT_ZERO, type ScalingConfig, type ScalingSuspension } from '../domain/scaling';
import type { SlotRef } from '../ports/fleet';
import type { Scaling } from '../ports/scaling';
import { describeError, errorCode, normaliseAwsError } from './errors';

/** An Application Auto Scaling call failed for a reason other than throttling. */
export class AppAutoScalingError extends GreenlightError {}

const SERVICE_NAMESPACE = 'ecs';
const SCALABLE_DIMENSION = 'ecs:service:DesiredCount';

/** `service/CLUSTER/SERVICE`, with the cluster by name: the form scalable targets of ECS services take. */
export function scalableResourceId(slot: SlotRef): string {
  return `service/${clusterName(slot.cluster)}/${slot.service}`;
}

/** The Scaling port on Application Auto Scaling. */
export class AppAutoScaling implements Scaling {
  private readonly client: ApplicationAutoScalingClient;

  constructor(options: { client: ApplicationAutoScalingClient }) {
    this.client = options.client;
  }

  /** The service's scalable target for its desired count; null when none is registered. */
  async read(slot: SlotRef): Promise<ScalingConfig | null> {
    const output = await this.call('DescribeScalableTargets', slot, () =>
      this.client.send(
        new DescribeScalableTargetsCommand({
          ServiceNamespace: SERVICE_NAMESPACE,
          ResourceIds: [scalableResourceId(slot)],
          ScalableDimension: SCALABLE_DIMENSION,
        }),
      ),
    );
    const target = output.ScalableTargets?.find((t) => t.ResourceId === scalableResourceId(slot));
    if (!target) return null;
    if (target.MinCapacity === undefined || target.MaxCapacity === undefined) {
      throw new AppAutoScalingError(
        `DescribeScalableTargets returned ${scalableResourceId(slot)} without its MinCapacity or MaxCapacity`,
      );
    }
    // A target that was never suspended may come back without SuspendedState: nothing is suspended.
    const suspended = target.SuspendedState ?? {};
    return {
      minCapacity: target.MinCapacity,
      maxCapacity: target.MaxCapacity,
      suspended: {
        dynamicScalingIn: suspended.DynamicScalingInSuspended ?? false,
        dynamicScalingOut: suspended.DynamicScalingOutSuspended ?? false,
        scheduledScaling: suspended.ScheduledScalingSuspended ?? false,
      },
    };
  }

  async suspend(slot: SlotRef, bounds: { minCapacity: number; maxCapacity: number }): Promise<void> {
    await this.register(slot, { ...bounds, suspended: ALL_SUSPENDED });
  }

  async restore(slot: SlotRef, config: ScalingConfig): Promise<void> {
    await this.register(slot, config);
  }

  async holdAtZero(slot: SlotRef): Promise<void> {
    await this.register(slot, HELD_AT_ZERO);
  }

  /**
   * RegisterScalableTarget with every field sent (bounds and all three suspension flags), so the
   * target ends exactly as asked whatever it was, and a retry writes the same thing again. No
   * RoleARN: ECS targets use the service-linked role, which exists since the target does.
   */
  private async register(slot: SlotRef, config: ScalingConfig): Promise<void> {
    await this.call('RegisterScalableTarget', slot, () =>
      this.client.send(
        new RegisterScalableTargetCommand({
          ServiceNamespace: SERVICE_NAMESPACE,
          ResourceId: scalableResourceId(slot),
          ScalableDimension: SCALABLE_DIMENSION,
          MinCapacity: config.minCapacity,
          MaxCapacity: config.maxCapacity,
          SuspendedState: suspendedState(config.suspended),
        }),
      ),
    );
  }

  private async call<T>(operation: string, slot: SlotRef, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      const what = `${operation} (${scalableResourceId(slot)})`;
      // Another update of the same target still pending: worth the state machine's retry.
      if (errorCode(error) === 'ConcurrentUpdateException') {
        throw new ThrottlingError(
          `Application Auto Scaling ${what}: concurrent update (${describeError(error)})`,
          {
            cause: error,
          },
        );
      }
      throw normaliseAwsError(
        error,
        `Application Auto Scaling ${what}`,
        (message, cause) => new AppAutoScalingError(message, { cause }),
      );
    }
  }
}

function suspendedState(suspended: ScalingSuspension) {
  return {
    DynamicScalingInSuspended: suspended.dynamicScalingIn,
    DynamicScalingOutSuspended: suspended.dynamicScalingOut,
    ScheduledScalingSuspended: suspended.scheduledScaling,
  };
}
