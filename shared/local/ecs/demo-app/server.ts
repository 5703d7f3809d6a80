/**
 * The bundled demo app: stands in for a container image in the local rehearsal. Its behaviour
 * comes from its environment, so catalog images can be healthy, faulty, slow, unhealthy,
 * resetting connections or crashing (exits non-zero after a time or a number of requests, its
 * health checks passing until then). It runs as its own process (`node --import tsx server.ts`).
 * `/metrics` serves Prometheus's text format (prom-client): requests by status code and a latency
 * histogram. Which color and task a series belongs to is the scraper's business (the rehearsal's
 * Prometheus labels its targets), as on ECS where service discovery, not the app, knows the service.
 */
import http from 'node:http';
import { Counter, Histogram, Registry } from 'prom-client';

interface Config {
  port: number;
  version: string;
  errorRate: number;
  /** Share of requests (health checks excluded) whose connection is reset without an answer. */
  resetRate: number;
  latencyMs: number;
  healthy: boolean;
  /** Exit `crashExitCode` once this many requests (health checks excluded) were answered. */
  crashAfterRequests: number | null;
  /** Exit `crashExitCode` this long after listening. */
  crashAfterMs: number | null;
  crashExitCode: number;
}

/** An optional whole number ≥ `min`, or a problem naming the variable. */
function optionalInteger(
  env: NodeJS.ProcessEnv,
  name: string,
  min: number,
  problems: string[],
): number | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return null;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    problems.push(`${name} must be an integer ≥ ${min}, got "${raw}"`);
    return null;
  }
  return value;
}

/** Reads and checks the environment once; exits with a message on bad values. */
function readConfig(env: NodeJS.ProcessEnv): Config {
  const problems: string[] = [];
  const port = Number(env.PORT);
  if (!env.PORT || !Number.isInteger(port) || port < 1 || port > 65535) {
    problems.push(`PORT must be an integer from 1 to 65535, got ${JSON.stringify(env.PORT)}`);
  }
  const errorRate = env.ERROR_RATE === undefined || env.ERROR_RATE === '' ? 0 : Number(env.ERROR_RATE);
  if (!(errorRate >= 0 && errorRate <= 1))
    problems.push(`ERROR_RATE must be from 0 to 1, got "${env.ERROR_RATE}"`);
  const resetRate = env.RESET_RATE === undefined || env.RESET_RATE === '' ? 0 : Number(env.RESET_RATE);
  if (!(resetRate >= 0 && resetRate <= 1))
    problems.push(`RESET_RATE must be from 0 to 1, got "${env.RESET_RATE}"`);
  const latencyMs = env.LATENCY_MS === undefined || env.LATENCY_MS === '' ? 2 : Number(env.LATENCY_MS);
  if (!(latencyMs >= 0 && Number.isFinite(latencyMs))) {
    problems.push(`LATENCY_MS must be a number ≥ 0, got "${env.LATENCY_MS}"`);
  }
  const crashAfterRequests = optionalInteger(env, 'CRASH_AFTER_REQUESTS', 1, problems);
  const crashAfterMs = optionalInteger(env, 'CRASH_AFTER_MS', 0, problems);
  const crashExitCode = optionalInteger(env, 'CRASH_EXIT_CODE', 1, problems) ?? 1;
  if (crashExitCode > 255) problems.push(`CRASH_EXIT_CODE must be from 1 to 255, got ${crashExitCode}`);
  if (problems.length > 0) {
    process.stderr.write(`demo-app: invalid environment: ${problems.join('; ')}\n`);
    process.exit(1);
  }
  return {
    port,
    version: env.VERSION ?? 'dev',
    errorRate,
    resetRate,
    latencyMs,
    healthy: env.HEALTHY !== 'false',
    crashAfterRequests,
    crashAfterMs,
    crashExitCode,
  };
}

const config = readConfig(process.env);

const registry = new Registry();
const requestsTotal = new Counter({
  name: 'http_requests_total',
  help: 'Requests answered on /, by status code',
  labelNames: ['code'] as const,
  registers: [registry],
});
const requestDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'Time to answer a request on /, by status code',
  labelNames: ['code'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});
// Series exist from the start at 0: Prometheus's increase() needs two samples of a series, so a
// series born with its first failure would hide that failure.
for (const code of ['200', '500']) {
  requestsTotal.inc({ code }, 0);
  requestDuration.zero({ code });
}
let shuttingDown = false;
let inFlight = 0;
/**
 * Error credit instead of Math.random: the share of failed requests is exact and runs are
 * reproducible, which a rehearsal (and its tests) can rely on.
 */
let errorCredit = 0;
let resetCredit = 0;
let answered = 0;

/** The injected crash: no draining, no goodbye, like a process that dies. */
function crash(why: string): void {
  process.stderr.write(`demo-app: crashing (${why}), exit ${config.crashExitCode}\n`);
  process.exit(config.crashExitCode);
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  const headers: http.OutgoingHttpHeaders = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
  };
  // While stopping, tell clients not to reuse the connection so it can close right after.
  if (shuttingDown) headers.connection = 'close';
  res.writeHead(status, headers);
  res.end(payload);
}

const server = http.createServer((req, res) => {
  inFlight += 1;
  res.on('close', () => {
    inFlight -= 1;
    if (shuttingDown) server.closeIdleConnections();
  });
  req.resume();
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/health') {
    send(res, config.healthy ? 200 : 503, { version: config.version, healthy: config.healthy });
    return;
  }
  if (path === '/metrics') {
    void registry.metrics().then((text) => {
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(text);
    });
    return;
  }
  if (path !== '/') {
    send(res, 404, { version: config.version, error: 'not found' });
    return;
  }
  const startedAt = performance.now();
  res.once('finish', () => {
    const code = String(res.statusCode);
    requestsTotal.inc({ code });
    requestDuration.observe({ code }, (performance.now() - startedAt) / 1000);
  });
  setTimeout(() => {
    resetCredit += config.resetRate;
    if (resetCredit >= 1 - 1e-9) {
      // No answer at all: the balancer, not the app, answers the client (a 502 on ALB).
      resetCredit -= 1;
      req.socket.destroy();
      return;
    }
    errorCredit += config.errorRate;
    if (errorCredit >= 1 - 1e-9) {
      errorCredit -= 1;
      send(res, 500, { version: config.version, error: 'injected failure (ERROR_RATE)' });
    } else {
      send(res, 200, { version: config.version });
    }
    answered += 1;
    if (config.crashAfterRequests !== null && answered >= config.crashAfterRequests) {
      // Once the answer is on its way, so the request that reached the limit still succeeds.
      const why = `CRASH_AFTER_REQUESTS=${config.crashAfterRequests} reached`;
      if (res.writableFinished) crash(why);
      else res.once('finish', () => crash(why));
    }
  }, config.latencyMs);
});
// The proxy drops idle upstream sockets before this, so it never reuses one being closed.
server.keepAliveTimeout = 5000;

/** Stops accepting connections, lets in-flight requests finish, then exits 0. */
function shutdown(): void {
  if (shuttingDown) return;
  shuttingDown = true;
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  // Safety net for a client that keeps a connection open without sending anything.
  setTimeout(() => {
    process.stderr.write(`demo-app: ${inFlight} requests still in flight after 10 s, exiting\n`);
    process.exit(0);
  }, 10_000).unref();
}

process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
// Started with an IPC channel by the process fleet: when the parent dies, so does the app.
if (process.send) process.on('disconnect', shutdown);

server.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(
    `demo-app ${config.version} listening on 127.0.0.1:${config.port} ` +
      `(ERROR_RATE=${config.errorRate}, LATENCY_MS=${config.latencyMs}, HEALTHY=${config.healthy})\n`,
  );
  const { crashAfterMs } = config;
  if (crashAfterMs !== null) setTimeout(() => crash(`CRASH_AFTER_MS=${crashAfterMs} elapsed`), crashAfterMs);
});
