import type { StoppedTask } from '../domain/gate';

export type { StoppedTask } from '../domain/gate';

/** One ECS service slot (the "blue" or the "green" service of an app). */
export interface SlotRef {
  cluster: string;
  service: string;
}

/** What the deployment needs to know about a slot. */
export interface SlotStatus {
  desiredCount: number;
  runningCount: number;
  pendingCount: number;
  /** Task definition the slot runs (ARN on AWS, `family:revision` locally); null when never deployed. */
  taskDefinition: string | null;
  /** True when the slot's rollout is complete: one deployment, running = desired. */
  steady: boolean;
  /**
   * The slot's deployments ECS's deployment circuit breaker gave up on (`rolloutState: FAILED`),
   * with their revision and ECS's reason; absent when there are none.
   */
  failedRollouts?: { taskDefinition: string | null; reason: string }[];
}

/** ECS services as the deployment sees them. */
export interface Fleet {
  describe(slot: SlotRef): Promise<SlotStatus>;
  /**
   * Registers a new task definition revision cloned from `from`, with only the image of
   * `container` changed. Returns the new revision's identifier.
   */
  registerRevision(input: { from: string; container: string; image: string }): Promise<string>;
  /** Points the slot at a task definition and sets its desired count. */
  deploy(slot: SlotRef, taskDefinition: string, desiredCount: number): Promise<void>;
  /** Changes only the desired count. */
  scale(slot: SlotRef, desiredCount: number): Promise<void>;
  /**
   * The slot's tasks that stopped (or began stopping) at or after `sinceMs`, oldest first, expected
   * stops included: the caller tells them from failures. ECS lists a stopped task for about an hour.
   */
  stoppedTasks(slot: SlotRef, sinceMs: number): Promise<StoppedTask[]>;
}

/** Reads a task definition revision without changing anything (the dry run's diff). */
export interface RevisionReader {
  /** The revision as JSON, without the fields ECS sets itself (ARN, revision, status, registeredAt...). */
  readRevision(taskDefinition: string): Promise<Record<string, unknown>>;
}
