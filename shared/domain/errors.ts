/** Base class of the errors Greenlight raises on purpose; `name` is what Step Functions matches on. */
export class GreenlightError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input that cannot be used: names the field and what was expected. Never retried. */
export class InvalidInputError extends GreenlightError {
  constructor(
    message: string,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

/** Another deployment holds the service's lock. */
export class LockConflictError extends GreenlightError {}

/** The service is not in a state a deployment can start from (e.g. traffic split). */
export class ServiceStateError extends GreenlightError {}

/** Weights read back from the load balancer differ from the ones just set. */
export class WeightsMismatchError extends GreenlightError {}

/** A transient refusal by a dependency (throttling, busy); the state machine retries it. */
export class ThrottlingError extends GreenlightError {}

/** An idempotency key (API header, pipeline job id) already started a deployment from a different request. */
export class IdempotencyConflictError extends GreenlightError {}
