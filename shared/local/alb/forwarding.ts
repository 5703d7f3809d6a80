/**
 * The local ALB's data path: a listener's weighted choice of a target group (smooth weighted
 * round robin), a round robin over that group's healthy targets, and the forwarding of one
 * request: hop-by-hop headers dropped, one retry on a stale or refused connection, 502/503/504
 * answers of its own, and the answer counted in the group's metric buckets.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { ResponseOrigin } from './metric-buckets';
import { finishDrain, type Target, type TargetGroup } from './targets';

/** One target group of a listener's forward action. */
export interface Route {
  name: string;
  weight: number;
  /** Smooth weighted round robin state (nginx). */
  current: number;
}

/** Errors of a connection that never opened (the rest happen on an open connection). */
const CONNECT_FAILURES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'ETIMEDOUT',
]);

/** Bodies up to this size are buffered so a failed attempt can be replayed on another target. */
const MAX_REPLAY_BODY = 1024 * 1024;
/** Hop-by-hop headers (RFC 9110 §7.6.1) are per connection and must not be forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function withoutHopByHop(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const listed = String(headers.connection ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed.includes(name)) continue;
    out[name] = value;
  }
  return out;
}

type Body = { kind: 'none' } | { kind: 'buffered'; data: Buffer } | { kind: 'stream'; head: Buffer[] };

/** Reads a request body, buffering it when small enough to replay. */
function readBody(req: http.IncomingMessage): Promise<Body> {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined ||
    (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
  if (!hasBody) return Promise.resolve({ kind: 'none' });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > MAX_REPLAY_BODY) {
        // Too big to keep: the rest is streamed and the request cannot be retried.
        cleanup();
        req.pause();
        resolve({ kind: 'stream', head: chunks });
      }
    };
    const onEnd = () => {
      cleanup();
      resolve({ kind: 'buffered', data: Buffer.concat(chunks) });
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

export class UpstreamTimeoutError extends Error {
  override readonly name = 'UpstreamTimeoutError';
  readonly code = 'ETIMEDOUT';
}

/** Smooth weighted round robin (nginx): deterministic, exact proportions over each cycle. */
function pickRoute(routes: Route[]): Route | null {
  let total = 0;
  let best: Route | null = null;
  for (const route of routes) {
    if (route.weight === 0) continue;
    route.current += route.weight;
    total += route.weight;
    if (!best || route.current > best.current) best = route;
  }
  if (!best) return null;
  best.current -= total;
  return best;
}

function pickTarget(group: TargetGroup, exclude?: Target): Target | null {
  const healthy = [...group.targets.values()].filter((t) => t.state === 'healthy' && t !== exclude);
  if (healthy.length === 0) return null;
  const target = healthy[group.cursor % healthy.length] ?? null;
  group.cursor = (group.cursor + 1) % 1_000_000_007;
  return target;
}

function reply(
  res: http.ServerResponse,
  status: number,
  message: string,
  group?: string,
  target?: string,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json' };
  if (group) headers['x-greenlight-target-group'] = group;
  if (target) headers['x-greenlight-target'] = target;
  res.writeHead(status, headers);
  res.end(JSON.stringify({ error: message }));
}

export interface ForwarderOptions {
  groups: ReadonlyMap<string, TargetGroup>;
  /** Time allowed to a target for each request before the proxy answers 504. */
  requestTimeoutMs: number;
  /** Clock for metric buckets (epoch ms). */
  now: () => number;
}

/** Forwards the requests of every listener to the shared target groups. */
export class Forwarder {
  constructor(private readonly options: ForwarderOptions) {}

  /** Answers one request of a listener whose forward action is `routes`. */
  handle(routes: Route[], req: http.IncomingMessage, res: http.ServerResponse): void {
    const startedAt = performance.now();
    const route = pickRoute(routes);
    const group = route ? (this.options.groups.get(route.name) ?? null) : null;
    if (!group) {
      // Not counted for any target group: no forward action is configured yet.
      reply(res, 503, 'no target group has a weight on this listener');
      return;
    }
    let recorded = false;
    // Who produced the answer, for CloudWatch's attribution (see ResponseOrigin).
    let origin: ResponseOrigin = 'target';
    const finish = (status: number, from?: ResponseOrigin) => {
      if (recorded) return;
      recorded = true;
      group.metrics.record(status, performance.now() - startedAt, this.options.now(), from ?? origin);
    };
    res.on('finish', () => finish(res.statusCode));

    readBody(req).then(
      (body) =>
        this.forward(group, req, res, body, finish, (answeredBy) => {
          origin = answeredBy;
        }),
      () => res.destroy(),
    );
  }

  private forward(
    group: TargetGroup,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: Body,
    finish: (status: number, origin?: ResponseOrigin) => void,
    answeredBy: (origin: ResponseOrigin) => void,
  ): void {
    const requestTimeoutMs = this.options.requestTimeoutMs;
    const first = pickTarget(group);
    if (!first) {
      answeredBy('no-target');
      reply(res, 503, `target group "${group.name}" has no healthy target`, group.name);
      return;
    }
    const headers = withoutHopByHop(req.headers);
    const clientIp = req.socket.remoteAddress ?? '';
    headers['x-forwarded-for'] = req.headers['x-forwarded-for']
      ? `${req.headers['x-forwarded-for']}, ${clientIp}`
      : clientIp;
    headers['x-forwarded-proto'] = 'http';
    headers['x-forwarded-port'] = String(req.socket.localPort ?? '');
    if (body.kind === 'buffered') {
      headers['content-length'] = String(body.data.length);
      delete headers['transfer-encoding'];
    }

    const attempt = (target: Target, canRetry: boolean) => {
      target.inFlight += 1;
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        target.inFlight -= 1;
        if (target.drain && target.inFlight === 0) finishDrain(group, target);
      };
      let responded = false;
      let clientGone = false;
      const upstream = http.request({
        host: target.host,
        port: target.port,
        method: req.method,
        path: req.url,
        headers,
        agent: target.agent,
      });
      upstream.setTimeout(requestTimeoutMs, () =>
        upstream.destroy(new UpstreamTimeoutError(`target did not answer within ${requestTimeoutMs} ms`)),
      );
      // The client went away: stop work on its behalf, and do not blame the target for it.
      const onClientClose = () => {
        if (res.writableFinished) return;
        clientGone = true;
        upstream.destroy();
      };
      res.once('close', onClientClose);

      upstream.on('response', (upstreamRes) => {
        responded = true;
        const out = withoutHopByHop(upstreamRes.headers);
        out['x-greenlight-target-group'] = group.name;
        out['x-greenlight-target'] = target.id;
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, out);
        upstreamRes.pipe(res);
        upstreamRes.on('close', () => {
          release();
          if (!upstreamRes.complete && !clientGone) {
            // The target cut the response short: the client cannot get a complete answer.
            finish(502, 'load-balancer');
            res.destroy();
          }
        });
        upstreamRes.on('error', () => undefined);
      });

      upstream.on('error', (err: NodeJS.ErrnoException) => {
        release();
        if (clientGone || responded) return;
        res.off('close', onClientClose);
        const staleSocket = upstream.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE');
        const refused = err.code === 'ECONNREFUSED';
        if (canRetry && body.kind !== 'stream' && (staleSocket || refused)) {
          // A stale keep-alive socket says nothing about the target: retrying it on a fresh
          // connection is fine. A refused connection means the target is gone: try another.
          const next =
            pickTarget(group, target) ?? (staleSocket && target.state === 'healthy' ? target : null);
          if (next) {
            attempt(next, false);
            return;
          }
        }
        // A connection never opened is the target group's TargetConnectionErrorCount; a reset or a
        // timeout after that is the balancer's own 502/504, which CloudWatch has per load balancer only.
        answeredBy(
          !(err instanceof UpstreamTimeoutError) && CONNECT_FAILURES.has(err.code ?? '')
            ? 'connection'
            : 'load-balancer',
        );
        if (err instanceof UpstreamTimeoutError) {
          reply(res, 504, `target "${target.id}" timed out`, group.name, target.id);
        } else {
          reply(res, 502, `target "${target.id}" failed: ${err.code ?? err.message}`, group.name, target.id);
        }
      });

      if (body.kind === 'none') upstream.end();
      else if (body.kind === 'buffered') upstream.end(body.data);
      else {
        for (const chunk of body.head) upstream.write(chunk);
        req.pipe(upstream);
        req.resume();
      }
    };

    attempt(first, true);
  }
}
