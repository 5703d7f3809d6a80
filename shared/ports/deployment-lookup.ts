/** Which Greenlight deployment, if any, is running on an ECS service right now. */
import type { RunningDeployment } from '../domain/alerts/enrichment';

export type { RunningDeployment };

export interface DeploymentLookup {
  /**
   * The deployment holding the service's lock. `service` is the ECS service name from the task's
   * group; for blue/green slots (`web-blue`, `web-green`) the logical service (`web`) is tried first.
   */
  runningDeployment(ref: {
    cluster: string;
    clusterArn?: string;
    service: string;
    /** `service` is a spec's logical service (the lock's own name): no slot names are tried. */
    exact?: boolean;
  }): Promise<RunningDeployment | null>;
}
