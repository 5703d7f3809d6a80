/**
 * A DeploymentController in memory (simulated: no CodeDeploy, no ECS): each deployment walks a
 * scripted list of statuses, one per poll; a `waiting` or `terminationWait` status holds until `promote`; `abort` turns
 * the next status into the scripted rollback end. It can fail a start after taking it (a retried
 * start must adopt it) and fail polls, to drive the workflow's idempotency and safety paths.
 */
import type {
  DeploymentController,
  ExternalStart,
  ExternalStatus,
  ExternalWaits,
  PromoteOutcome,
} from '../../shared/ports/controller';
import { TERMINAL_STATES } from '../../shared/ports/controller';

interface MemoryDeployment {
  id: string;
  target: unknown;
  request: ExternalStart;
  position: number;
  aborted: boolean;
}

export class MemoryController implements DeploymentController<unknown> {
  readonly deployments: MemoryDeployment[] = [];
  readonly aborts: string[] = [];
  readonly promotes: string[] = [];
  /** The statuses each deployment reports, poll after poll (the last one repeats). */
  script: ExternalStatus[] = [
    { state: 'in-progress', controllerStatus: 'IN_PROGRESS' },
    { state: 'succeeded', controllerStatus: 'SUCCESSFUL' },
  ];
  /** What a deployment reports once aborted. */
  afterAbort: ExternalStatus = { state: 'rolled-back', controllerStatus: 'ROLLBACK_SUCCESSFUL' };
  /** The next start takes the deployment, then throws this (a timeout after CreateDeployment). */
  failStartAfterTaking: Error | null = null;
  /** The next start throws this before taking anything (CodeDeploy refused the request). */
  failStartBeforeTaking: Error | null = null;
  /** Every abort throws this (the controller cannot be stopped). */
  abortError: Error | null = null;
  /** What `waitsOf` answers: the controller's own waits (CodeDeploy's ready and termination waits). */
  waits: ExternalWaits = { readySeconds: 0, terminationSeconds: 0 };
  /** The next `statusFailures` polls throw this. */
  statusFailures = 0;
  statusError: Error = new Error('GetDeployment: internal error');

  constructor(
    private readonly service: { cluster: string; service: string } = { cluster: 'local', service: 'web-ecs' },
  ) {}

  async start(target: unknown, request: ExternalStart): Promise<{ deploymentId: string }> {
    if (this.failStartBeforeTaking) throw this.failStartBeforeTaking;
    const id = `ext-${this.deployments.length + 1}`;
    this.deployments.push({ id, target, request, position: 0, aborted: false });
    const failure = this.failStartAfterTaking;
    if (failure) {
      this.failStartAfterTaking = null;
      throw failure;
    }
    return { deploymentId: id };
  }

  async status(deploymentId: string): Promise<ExternalStatus> {
    if (this.statusFailures > 0) {
      this.statusFailures -= 1;
      throw this.statusError;
    }
    const deployment = this.get(deploymentId);
    if (deployment.aborted) return this.afterAbort;
    const current = this.script[Math.min(deployment.position, this.script.length - 1)]!;
    // A wait (a ready wait or a termination wait) holds until promote moves it on.
    if (!holds(current)) deployment.position += 1;
    return current;
  }

  async abort(deploymentId: string): Promise<void> {
    if (this.abortError) throw this.abortError;
    this.aborts.push(deploymentId);
    this.get(deploymentId).aborted = true;
  }

  async promote(deploymentId: string): Promise<PromoteOutcome> {
    this.promotes.push(deploymentId);
    const deployment = this.get(deploymentId);
    const current = this.script[Math.min(deployment.position, this.script.length - 1)];
    if (!current || !holds(current)) return { continued: false, reason: 'no wait to end' };
    deployment.position += 1;
    return { continued: true };
  }

  async findStarted(_target: unknown, request: ExternalStart): Promise<{ deploymentId: string } | null> {
    const prefix = request.description.slice(0, request.description.indexOf(': ') + 2);
    const found = this.deployments.find(
      (d) =>
        !d.aborted &&
        d.request.description.startsWith(prefix) &&
        !TERMINAL_STATES.includes(this.script[Math.min(d.position, this.script.length - 1)]!.state),
    );
    return found ? { deploymentId: found.id } : null;
  }

  async waitsOf(): Promise<ExternalWaits> {
    return this.waits;
  }

  async serviceOf(): Promise<{ cluster: string; service: string }> {
    return this.service;
  }

  private get(deploymentId: string): MemoryDeployment {
    const deployment = this.deployments.find((d) => d.id === deploymentId);
    if (!deployment) throw new Error(`no deployment ${deploymentId}`);
    return deployment;
  }
}

const holds = (status: ExternalStatus): boolean =>
  status.state === 'waiting' || status.terminationWait === true;
