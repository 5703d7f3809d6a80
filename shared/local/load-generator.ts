/**
 * Open-loop HTTP load on loopback: a steady request rate against the local ALB, every response
 * attributed to the target group that served it (the proxy's `x-greenlight-target-group` header).
 */
import http from 'node:http';

export interface RequestSample {
  at: number;
  ok: boolean;
  status: number;
  targetGroup: string | null;
  latencyMs: number;
}

export interface LoadStats {
  requests: number;
  failed: number;
  /** Requests not sent because `maxInFlight` was reached (the target is too slow for the rate). */
  skipped: number;
  byTargetGroup: Record<string, { requests: number; failed: number; firstFailureAt: number | null }>;
}

export interface LoadOptions {
  url: string;
  ratePerSecond: number;
  /** Upper bound of concurrent requests, so a slow target cannot make the load unbounded. */
  maxInFlight?: number;
  timeoutMs?: number;
}

export class LoadGenerator {
  readonly samples: RequestSample[] = [];
  private skippedAt: number[] = [];
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private sent = 0;
  private startedAt = 0;
  private readonly agent: http.Agent;
  private idle: (() => void) | null = null;

  constructor(private readonly options: LoadOptions) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: options.maxInFlight ?? 100 });
  }

  /** Starts sending; the rate is kept by catching up on elapsed time every few milliseconds. */
  start(): void {
    if (this.timer) return;
    this.startedAt = Date.now();
    this.sent = 0;
    this.timer = setInterval(() => {
      const due = Math.floor(((Date.now() - this.startedAt) / 1000) * this.options.ratePerSecond) - this.sent;
      for (let i = 0; i < due; i++) this.fire();
    }, 5);
  }

  /** Stops sending and waits for the requests in flight. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    this.agent.destroy();
  }

  /** Figures for requests sent in [fromMs, toMs). */
  stats(fromMs = 0, toMs = Number.POSITIVE_INFINITY): LoadStats {
    const stats: LoadStats = {
      requests: 0,
      failed: 0,
      skipped: this.skippedAt.filter((t) => t >= fromMs && t < toMs).length,
      byTargetGroup: {},
    };
    for (const s of this.samples) {
      if (s.at < fromMs || s.at >= toMs) continue;
      stats.requests += 1;
      const key = s.targetGroup ?? '(none)';
      const tg = (stats.byTargetGroup[key] ??= { requests: 0, failed: 0, firstFailureAt: null });
      tg.requests += 1;
      if (!s.ok) {
        stats.failed += 1;
        tg.failed += 1;
        tg.firstFailureAt ??= s.at;
      }
    }
    return stats;
  }

  private fire(): void {
    this.sent += 1;
    const at = Date.now();
    if (this.inFlight >= (this.options.maxInFlight ?? 100)) {
      this.skippedAt.push(at);
      return;
    }
    this.inFlight += 1;
    let finished = false;
    const done = (status: number, targetGroup: string | null) => {
      if (finished) return;
      finished = true;
      this.samples.push({
        at,
        ok: status > 0 && status < 500,
        status,
        targetGroup,
        latencyMs: Date.now() - at,
      });
      this.inFlight -= 1;
      if (this.inFlight === 0 && this.idle) {
        this.idle();
        this.idle = null;
      }
    };
    const req = http.get(
      this.options.url,
      { agent: this.agent, timeout: this.options.timeoutMs ?? 5000 },
      (res) => {
        const tg = res.headers['x-greenlight-target-group'];
        res.resume();
        res.on('end', () => done(res.statusCode ?? 0, typeof tg === 'string' ? tg : null));
        res.on('error', () => done(0, typeof tg === 'string' ? tg : null));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => done(0, null));
  }
}
