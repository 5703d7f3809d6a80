/** Durable alert state: which task stops were already handled, and each service's crash-loop window. */
import type { TallyScope } from '../domain/alerts/tally';
import type { WindowCount, WindowSnapshot, WindowStop } from '../domain/alerts/window';

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
  /**
   * Message `index` of the plan was handed to the notifier `attempts` times with no outcome
   * recorded (the function died or lost its lease in between): it may have gone out.
   */
  publishing?: { index: number; attempts: number };
}

/** A window whose final tally the sweeper must look at once `dueAt` has passed. */
export interface DueTally {
  /** The window's key (policy.ts windowKey). */
  key: string;
  /** The window this entry is for: a window opened later under the same key is another one. */
  startedAt: number;
  dueAt: number;
  /** What names the window in a message. */
  scope: TallyScope;
}

export type TallyClaim =
  /** This sweep sends the tally of `window`. */
  | { status: 'claimed'; window: WindowSnapshot }
  /** Nothing left to send: the window was replaced (its tally went with the next stop), or is sent. */
  | { status: 'done' }
  /** Another sweep is sending it now. */
  | { status: 'busy' };

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
   * Records `progress` (with the message about to be published) before a publish and renews the
   * lease; false when the claim was taken over, and then this invocation must not publish.
   */
  saveProgress(
    ref: StopRef,
    token: string,
    progress: SavedProgress,
    options: { now: number; leaseMs: number },
  ): Promise<boolean>;
  /**
   * Counts a stop in the window of `key`: opens a window when none is open (the window lasts
   * `windowMs` from its first stop) and returns the window this stop landed in and the one it closed.
   */
  countStop(
    key: string,
    stop: WindowStop,
    options: { now: number; windowMs: number; retainMs: number },
  ): Promise<WindowCount>;
  /**
   * The window of `key` now has stops no message reported: remember to send its final tally after
   * `dueAt` if no later stop does it first. Idempotent per window.
   */
  scheduleTally(due: DueTally, options: { retainMs: number }): Promise<void>;
  /** Entries whose `dueAt` is at or before `now`, oldest first, at most `limit`. */
  dueTallies(options: { now: number; limit: number }): Promise<DueTally[]>;
  /** Takes the tally of the entry's window for this sweep (until `now + leaseMs`). */
  claimTally(due: DueTally, options: { now: number; leaseMs: number }): Promise<TallyClaim>;
  /** Marks the window's tally sent (a later stop then sends no final tally for it) and drops the entry. */
  completeTally(due: DueTally): Promise<void>;
  /** Drops an entry with nothing left to send. */
  dropTally(due: DueTally): Promise<void>;
}
