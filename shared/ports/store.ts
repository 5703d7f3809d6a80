import type { DeploymentEvent, DeploymentRecord } from '../domain/deployment';

export type LockResult =
  { acquired: true; expiresAt: number } | { acquired: false; heldBy: string; expiresAt: number };

/** Durable state: per-service locks, deployment records and their event history. */
export interface Store {
  /**
   * Takes the lock `key` for `owner` until `now + leaseMs`. Succeeds when the lock is free,
   * expired, or already held by the same owner (so a retried step is safe).
   */
  acquireLock(key: string, owner: string, leaseMs: number, now: number): Promise<LockResult>;
  /** Releases the lock only if `owner` holds it; returns whether it did. */
  releaseLock(key: string, owner: string): Promise<boolean>;
  /** Writes the record unless it exists already (idempotent for the same id). */
  createDeployment(record: DeploymentRecord): Promise<void>;
  updateDeployment(id: string, patch: Partial<Omit<DeploymentRecord, 'id'>>): Promise<void>;
  getDeployment(id: string): Promise<DeploymentRecord | null>;
  /** Every deployment still IN_PROGRESS, oldest first. */
  listOpenDeployments(): Promise<DeploymentRecord[]>;
  /**
   * Every ended deployment whose end notification is still PENDING (`endNotice`), oldest first:
   * reconcile sends them again.
   */
  listPendingNotices(): Promise<DeploymentRecord[]>;
  /** Every logical service that has had a deployment (reconcile checks their listeners). */
  listServices(): Promise<string[]>;
  /** The service's deployments, newest first (ids and start times). */
  listServiceDeployments(service: string, limit?: number): Promise<{ id: string; startedAt: number }[]>;
  appendEvent(deploymentId: string, event: DeploymentEvent): Promise<void>;
  listEvents(deploymentId: string): Promise<DeploymentEvent[]>;
  /**
   * Appends `event` unless an event with `key` was appended to the deployment before (a retried
   * hook invocation); a repeat rewrites the first one's item, never adds one. True when it was new.
   */
  appendEventOnce(deploymentId: string, key: string, event: DeploymentEvent): Promise<boolean>;
}
