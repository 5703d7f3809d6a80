/** Wall-clock time in epoch milliseconds; injected so tests control time. */
export interface Clock {
  now(): number;
  /** Waits `ms` of this clock's time (a repair's traffic settle); absent: real time. */
  sleep?(ms: number): Promise<void>;
}

/** Waits `ms` real milliseconds. */
export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export const systemClock: Clock = { now: () => Date.now(), sleep: realSleep };
