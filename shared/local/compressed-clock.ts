/**
 * The rehearsal's clock on AWS timing: virtual time runs `factor` times faster than real time
 * from an origin (`virtual = origin + (real − origin) × factor`), so a deployment that takes ten
 * minutes on AWS (60-s metric periods published two minutes later) is watched in one at factor 10.
 *
 * Every timestamp the handlers and the local adapters compare with one another is virtual: the
 * handlers' `deps.clock`, the proxy's metric buckets, the fleet's stopped tasks, lock leases,
 * notifications. What happens in the processes stays real (request latencies, process start-up,
 * health checks, draining): each real second of it counts `factor` virtual seconds.
 */
import { InvalidInputError } from '../domain/errors';
import type { Clock } from '../ports/clock';

/** Highest compression: beyond it a real health check (500 ms) spans minutes of virtual time. */
export const MAX_COMPRESSION = 60;

/** A Clock whose time runs `factor` times faster than `realNow` from `origin`. */
export class CompressedClock implements Clock {
  readonly origin: number;

  constructor(
    readonly factor: number,
    private readonly realNow: () => number = Date.now,
    origin?: number,
  ) {
    if (!Number.isFinite(factor) || factor < 1 || factor > MAX_COMPRESSION) {
      const message = `expected a number from 1 to ${MAX_COMPRESSION}, got ${factor}`;
      throw new InvalidInputError(`compress: ${message}`, [{ path: 'compress', message }]);
    }
    this.origin = origin ?? realNow();
  }

  /** Virtual now (epoch ms). */
  now(): number {
    return this.toVirtual(this.realNow());
  }

  /** Waits `ms` of virtual time (`factor` times less real time). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms / this.factor));
  }

  /** The virtual time of a real instant. */
  toVirtual(realMs: number): number {
    return this.origin + (realMs - this.origin) * this.factor;
  }

  /** The real instant of a virtual time. */
  toReal(virtualMs: number): number {
    return this.origin + (virtualMs - this.origin) / this.factor;
  }
}
