/**
 * The task stops of a deployment's new tasks, as the lifecycle hooks read them: ECS's built-in
 * deployments run both revisions as tasks of one service, CodeDeploy runs them as two task sets of
 * one service, so a hook reads the service's stopped tasks and keeps the new revision's.
 */
import type { SlotRef, StoppedTask } from './fleet';

export interface NewTaskStops {
  /**
   * The tasks of `service` that belong to the service revision (ECS built-in deployments) and
   * stopped (or began stopping) at or after `sinceMs`, oldest first, expected stops included.
   */
  ofServiceRevision(service: SlotRef, serviceRevisionArn: string, sinceMs: number): Promise<StoppedTask[]>;
  /** The same for the tasks of one task set of `service` (CodeDeploy's replacement task set). */
  ofTaskSet(service: SlotRef, taskSetId: string, sinceMs: number): Promise<StoppedTask[]>;
}
