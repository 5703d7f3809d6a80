/**
 * A real Prometheus server (Debian's `prometheus` package) scraping the rehearsal's fleet, so the
 * `prometheus` metric source runs against the real query engine, not a fake.
 *
 * Targets come from a file_sd file the rehearsal rewrites as tasks register and leave their
 * target groups; each target is labelled with its color, target group and task, as ECS service
 * discovery would label them on AWS. Storage lives in a temporary directory removed at stop.
 *
 * Publication model: a sample exists once it is scraped, so a period's data is complete one
 * scrape interval after it ends, plus the query's own evaluation. The rehearsal scrapes every
 * second and the spec it builds reads data `publishDelaySeconds` after a period ends
 * (`rehearsalPrometheusSource`), never less than the scrape interval (the schema refuses it). On
 * AMP a collector scrapes (typically every 15–60 s) and remote-writes in batches: its lag is
 * longer, so the schema's default there is two intervals and at least 30 s. Not modelled here:
 * remote-write batching and AMP's ingestion; a task's requests before its first scrape
 * (increase() needs two samples of a series).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Color } from '../../domain/colors';
import type { GateMetricsInput } from '../../domain/gate';
import { killOnExit } from '../ecs/child-processes';

export const PROMETHEUS_BINARY = '/usr/bin/prometheus';
/** The rehearsal's scrape interval: its Prometheus data's resolution. */
export const REHEARSAL_SCRAPE_INTERVAL_SECONDS = 1;

export interface ScrapeTarget {
  host: string;
  port: number;
  color: Color;
  targetGroup: string;
  task: string;
}

export interface LocalPrometheusOptions {
  binary?: string;
  scrapeIntervalSeconds?: number;
  /** The fleet's tasks now: polled every half second. */
  targets: () => ScrapeTarget[];
}

/** Thrown when the Prometheus binary is missing or does not come up. */
export class LocalPrometheusError extends Error {
  override name = 'LocalPrometheusError';
}

/** A running Prometheus; `stop()` ends it and removes its storage. */
export class LocalPrometheus {
  private timer: NodeJS.Timeout | null = null;
  private lastTargets = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly url: string,
    readonly scrapeIntervalSeconds: number,
    private readonly options: LocalPrometheusOptions,
  ) {}

  static async start(options: LocalPrometheusOptions): Promise<LocalPrometheus> {
    const binary = options.binary ?? PROMETHEUS_BINARY;
    if (!existsSync(binary)) {
      throw new LocalPrometheusError(
        `${binary} not found: install Prometheus (Debian/Ubuntu: apt-get install -y prometheus) to run the rehearsal with --metrics prometheus`,
      );
    }
    const interval = options.scrapeIntervalSeconds ?? REHEARSAL_SCRAPE_INTERVAL_SECONDS;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'greenlight-prometheus-'));
    const targetsFile = path.join(dir, 'targets.json');
    await writeFile(targetsFile, '[]\n');
    await writeFile(
      path.join(dir, 'prometheus.yml'),
      [
        'global:',
        `  scrape_interval: ${interval}s`,
        `  scrape_timeout: ${interval}s`,
        `  evaluation_interval: ${interval}s`,
        'scrape_configs:',
        '  - job_name: fleet',
        '    file_sd_configs:',
        `      - files: [${JSON.stringify(targetsFile)}]`,
        '        refresh_interval: 1s',
        '',
      ].join('\n'),
    );
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(
      binary,
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--storage.tsdb.retention.time=1h',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    killOnExit(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4_000);
    });
    const prometheus = new LocalPrometheus(child, dir, url, interval, options);
    try {
      await waitReady(url, child, () => stderr);
    } catch (error) {
      await prometheus.stop();
      throw error;
    }
    await prometheus.refresh();
    prometheus.timer = setInterval(() => void prometheus.refresh(), 500);
    prometheus.timer.unref();
    return prometheus;
  }

  /** Rewrites the targets file when the fleet changed (atomically: Prometheus watches it). */
  async refresh(): Promise<void> {
    const groups = this.options.targets().map((t) => ({
      targets: [`${t.host}:${t.port}`],
      labels: { color: t.color, target_group: t.targetGroup, task: t.task },
    }));
    const text = `${JSON.stringify(groups, null, 2)}\n`;
    if (text === this.lastTargets) return;
    this.lastTargets = text;
    const file = path.join(this.dir, 'targets.json');
    await writeFile(`${file}.tmp`, text);
    await rename(`${file}.tmp`, file);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.kill('SIGTERM');
      const timeout = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timeout);
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * The `prometheus` source of a rehearsal spec: PromQL on the demo app's metrics, per color by
 * the scrape labels, windows in 5-s periods (five 1-s scrapes: a per-period increase() needs at
 * least two samples), read one period after they end (≥ the scrape interval plus evaluation).
 */
export function rehearsalPrometheusSource(url: string): GateMetricsInput {
  return {
    source: 'prometheus',
    url,
    periodSeconds: 5,
    publishDelaySeconds: 5,
    latencyUnit: 'seconds',
    queries: {
      requests: 'sum(increase(http_requests_total{color="{{color}}"}[{{range}}]))',
      errors: 'sum(increase(http_requests_total{color="{{color}}",code=~"5.."}[{{range}}]))',
      p99: 'histogram_quantile(0.99, sum by (le) (increase(http_request_duration_seconds_bucket{color="{{color}}"}[{{range}}])))',
      p50: 'histogram_quantile(0.5, sum by (le) (increase(http_request_duration_seconds_bucket{color="{{color}}"}[{{range}}])))',
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitReady(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new LocalPrometheusError(`prometheus exited with ${child.exitCode}: ${stderr().trim()}`);
    }
    try {
      const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new LocalPrometheusError(`prometheus at ${url} not ready after 20 s: ${stderr().trim()}`);
}
