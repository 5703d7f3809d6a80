/**
 * Schedule time for the local rehearsal: a clock that starts at a chosen instant and runs `scale`
 * times faster than the wall clock, so a 60 s run-time limit (the spec's least) or a 30 s backoff
 * takes a few wall seconds. Everything that decides (the workflow's steps, the ledger's records,
 * the task runner's timestamps and stop timeouts) reads this one clock; only wall-clock waits are
 * divided by the scale.
 */
import type { Clock } from '../../ports/clock';

export class ScaledClock implements Clock {
  private readonly wallStart: number;

  constructor(
    /** The schedule time at which the clock starts (epoch ms). */
    readonly start: number,
    /** Schedule milliseconds per wall millisecond (1: real time). */
    readonly scale = 1,
    private readonly wall: () => number = Date.now,
  ) {
    if (!Number.isFinite(scale) || scale < 1 || scale > 1000) {
      throw new RangeError(`time scale: expected a number from 1 to 1000, got ${scale}`);
    }
    this.wallStart = wall();
  }

  now(): number {
    return Math.round(this.start + (this.wall() - this.wallStart) * this.scale);
  }

  /** Wall milliseconds that `scheduleMs` of schedule time take. */
  wallMs(scheduleMs: number): number {
    return Math.max(0, scheduleMs / this.scale);
  }
}
