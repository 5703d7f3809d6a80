/**
 * The Fleet the rehearsal's workflow reads: the local process groups by their names, and the
 * SIMULATED ECS-controlled service (native-deployment.ts) by its own name, as DescribeServices
 * would show it: the live revision's task definition and its tasks' counts. A driven deployment's
 * Prepare reads only that; the simulation moves the tasks itself.
 */
import type { Fleet, SlotRef, SlotStatus, StoppedTask } from '../../ports/fleet';
import type { SimulatedEcsLinearService } from './native-deployment';
import type { ProcessFleet } from './process-fleet';

export class SimulatedServiceFleet implements Fleet {
  /** The rehearsal's ECS-controlled service, once created. */
  private simulated: SimulatedEcsLinearService | null = null;

  constructor(private readonly fleet: ProcessFleet) {}

  /** From now on, `service` is described by its own name. */
  serve(service: SimulatedEcsLinearService): void {
    this.simulated = service;
  }

  describe(slot: SlotRef): Promise<SlotStatus> {
    const service = this.simulated;
    if (service && slot.cluster === service.names.cluster && slot.service === service.names.service) {
      return service.describe();
    }
    return this.fleet.describe(slot);
  }

  registerRevision(input: { from: string; container: string; image: string }): Promise<string> {
    return this.fleet.registerRevision(input);
  }

  readRevision(taskDefinition: string): Promise<Record<string, unknown>> {
    return this.fleet.readRevision(taskDefinition);
  }

  deploy(slot: SlotRef, taskDefinition: string, desiredCount: number): Promise<void> {
    return this.fleet.deploy(slot, taskDefinition, desiredCount);
  }

  scale(slot: SlotRef, desiredCount: number): Promise<void> {
    return this.fleet.scale(slot, desiredCount);
  }

  stoppedTasks(slot: SlotRef, sinceMs: number): Promise<StoppedTask[]> {
    return this.fleet.stoppedTasks(slot, sinceMs);
  }
}
