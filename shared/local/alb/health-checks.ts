/**
 * Active health checks of the local ALB, like a target group's: a GET of `path` on a fresh
 * connection every interval; `healthyThreshold` successes in a row make a target healthy,
 * `unhealthyThreshold` failures in a row unhealthy. Draining targets are no longer checked.
 */
import http from 'node:http';
import { UpstreamTimeoutError } from './forwarding';
import type { Target } from './targets';

export interface HealthCheckOptions {
  path?: string;
  intervalMs?: number;
  timeoutMs?: number;
  healthyThreshold?: number;
  unhealthyThreshold?: number;
}

export class HealthChecks {
  private readonly settings: Required<HealthCheckOptions>;

  /** `stopped` tells when the proxy is stopping: no check starts or is scheduled after that. */
  constructor(
    options: HealthCheckOptions = {},
    private readonly stopped: () => boolean,
  ) {
    this.settings = {
      path: options.path ?? '/health',
      intervalMs: options.intervalMs ?? 500,
      timeoutMs: options.timeoutMs ?? 1000,
      healthyThreshold: options.healthyThreshold ?? 2,
      unhealthyThreshold: options.unhealthyThreshold ?? 2,
    };
  }

  /** Checks a target now, then every interval while it is `registered()` and not draining. */
  start(target: Target, registered: () => boolean): void {
    if (target.state === 'draining' || this.stopped()) return;
    let settled = false;
    const settle = (ok: boolean) => {
      if (settled) return;
      settled = true;
      target.healthRequest = null;
      this.record(target, ok);
      if (target.state === 'draining' || this.stopped() || !registered()) return;
      target.healthTimer = setTimeout(() => this.start(target, registered), this.settings.intervalMs);
      target.healthTimer.unref();
    };
    // A fresh connection per check, like an ALB: it proves the target still accepts connections.
    const req = http.get(
      {
        host: target.host,
        port: target.port,
        path: this.settings.path,
        agent: false,
        timeout: this.settings.timeoutMs,
      },
      (res) => {
        res.resume();
        const ok = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 400;
        res.on('end', () => settle(ok));
        res.on('error', () => settle(false));
      },
    );
    req.on('timeout', () => req.destroy(new UpstreamTimeoutError('health check timed out')));
    req.on('error', () => settle(false));
    target.healthRequest = req;
  }

  /** Cancels the next check and the one in progress. */
  stop(target: Target): void {
    if (target.healthTimer) clearTimeout(target.healthTimer);
    target.healthTimer = null;
    target.healthRequest?.destroy();
    target.healthRequest = null;
  }

  private record(target: Target, ok: boolean): void {
    if (target.state === 'draining') return;
    if (ok) {
      target.okStreak += 1;
      target.failStreak = 0;
      if (target.state !== 'healthy' && target.okStreak >= this.settings.healthyThreshold)
        target.state = 'healthy';
    } else {
      target.failStreak += 1;
      target.okStreak = 0;
      if (target.state !== 'unhealthy' && target.failStreak >= this.settings.unhealthyThreshold) {
        target.state = 'unhealthy';
      }
    }
  }
}
