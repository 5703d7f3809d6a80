/** Durable alert state: which task stops were already handled, and each service's crash-loop window. */
import type { WindowCount, WindowStop } from '../domain/alerts/window';

/** One stop of one task: ECS repeats a state change with the same `detail.version`. */
export interface StopRef {
  taskArn: string;
  version: string;
}

/** What a failed attempt leaves for the retry, so the stop is neither counted twice nor lost. */
export interface SavedProgress {
  counted: WindowCount;
  /** Messages of the plan already published, in plan order. */
  published: number;
}

export type StopClaim =
  /** This invocation owns the stop; `saved` is what an earlier, failed attempt got through. */
  | { status: 'claimed'; token: string; resumed: boolean; saved: SavedProgress | null }
  /** Another invocation handled the stop, or is handling it now. */
  | { status: 'duplicate' };

export interface AlertStore {
  /**
   * Claims the stop for this invocation until `now + leaseMs`. A stop already sent, or claimed by an
   * invocation whose lease has not run out, is a duplicate; a failed or abandoned claim is resumed.
   * The stop is remembered until `now + retainMs`.
   */
  claimStop(ref: StopRef, options: { now: number; leaseMs: number; retainMs: number }): Promise<StopClaim>;
  /** Marks the claimed stop as handled; false when another invocation took the claim over. */
  completeStop(ref: StopRef, token: string): Promise<boolean>;
  /** Gives the claim back after a failure, with what the retry must not redo. */
  releaseStop(ref: StopRef, token: string, progress: SavedProgress | null): Promise<void>;
  /**
   * Counts a stop in the window of `key`: opens a window when none is open (the window lasts
   * `windowMs` from its first stop) and returns the window this stop landed in and the one it closed.
   */
  countStop(
    key: string,
    stop: WindowStop,
    options: { now: number; windowMs: number; retainMs: number },
  ): Promise<WindowCount>;
}
