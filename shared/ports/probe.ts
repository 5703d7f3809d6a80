/** Synthetic HTTP probes (fetch from the Lambda on AWS, the same adapter in the rehearsal). */
import type { ProbeResult } from '../domain/gate';
import type { ProbesConfig } from '../domain/gate';

export type { ProbeResult };

export interface Probe {
  /**
   * Sends `config.requests` requests to `config.url`, at most `config.concurrency` at a time, and
   * returns one result per request. A request that gets no response is a result with an error,
   * never a thrown error.
   */
  run(config: ProbesConfig): Promise<ProbeResult[]>;
}
