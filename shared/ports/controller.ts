/**
 * A deployment whose traffic another controller shifts (CodeDeploy, ECS's built-in strategies):
 * Greenlight starts it, follows it, stops it and lets it past a wait, while its own gate answers
 * the controller's lifecycle hooks. `Target` is what the controller needs to find the service and
 * how to shift (the spec's controller section and its mapped plan).
 */

/** Where an external deployment is, in the terms the workflow decides on. */
export type ExternalState =
  /** Shifting or about to: poll again. */
  | 'in-progress'
  /** Held at a wait a person (or `promote`) ends: CodeDeploy's READY_WAIT, an ECS PAUSE hook. */
  | 'waiting'
  /** The controller is putting the old revision back. */
  | 'rolling-back'
  | 'succeeded'
  /** The controller rolled back (after a failure, a hook's FAILED or a stop with rollback). */
  | 'rolled-back'
  /** Stopped without a rollback the controller reports. */
  | 'stopped'
  /** Failed, and the controller reports no successful rollback (CodeDeploy's rollback is a deployment of its own). */
  | 'failed';

export const TERMINAL_STATES: readonly ExternalState[] = ['succeeded', 'rolled-back', 'stopped', 'failed'];

export interface ExternalStatus {
  state: ExternalState;
  /** The controller's own status word (`InProgress`, `ROLLBACK_IN_PROGRESS`…), for history. */
  controllerStatus: string;
  /** The controller's reason, when it gives one (bounded). */
  reason?: string;
  /** CodeDeploy: the deployment that rolls this one back. */
  rollbackDeploymentId?: string;
  /**
   * Production traffic is all on the new revision and the controller only keeps the old one for
   * its termination wait (CodeDeploy's Baking): the deployment has succeeded in all but cleanup,
   * and `promote` ends that wait.
   */
  terminationWait?: boolean;
}

/**
 * Waits the controller's own configuration adds to a deployment, beyond Greenlight's plan
 * (CodeDeploy's deployment group: its ready wait and its termination wait), in seconds.
 */
export interface ExternalWaits {
  readySeconds: number;
  terminationSeconds: number;
}

/** What every controller needs to start: the new task definition revision and the routed container. */
export interface ExternalStart {
  cluster: string;
  taskDefinitionArn: string;
  container: { name: string; port: number };
  /** Written on the controller's deployment so a person can tell it is Greenlight's (bounded). */
  description: string;
}

/** What `promote` did: ended a wait, or found none to end (with why). */
export type PromoteOutcome = { continued: true } | { continued: false; reason: string };

export interface DeploymentController<Target> {
  /** Starts the deployment; returns the controller's id for it (CodeDeploy id, ECS service deployment ARN). */
  start(target: Target, request: ExternalStart): Promise<{ deploymentId: string }>;
  status(deploymentId: string): Promise<ExternalStatus>;
  /** Stops it and has the controller roll back. */
  abort(deploymentId: string): Promise<void>;
  /** Ends the wait the deployment is held at, if any. */
  promote(deploymentId: string): Promise<PromoteOutcome>;
  /**
   * A deployment already started for `request` and still running (a start retried after the
   * controller took it, before its id was kept): adopted instead of starting a second one.
   * Absent: the controller's own start is idempotent.
   */
  findStarted?(target: Target, request: ExternalStart): Promise<{ deploymentId: string } | null>;
  /**
   * The waits the controller adds to every deployment of `target`, read at start so the deadline
   * covers them. Absent: the controller adds none Greenlight's plan does not already count.
   */
  waitsOf?(target: Target): Promise<ExternalWaits>;
  /** The ECS service the controller deploys, when the target does not name it (CodeDeploy's group). */
  serviceOf?(target: Target): Promise<{ cluster: string; service: string }>;
}

/** The description every external deployment carries: how a retried start recognises its own. */
export function externalDescription(greenlightDeploymentId: string, detail: string): string {
  return `Greenlight deployment ${greenlightDeploymentId}: ${detail}`;
}
