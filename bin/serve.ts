/**
 * `greenlight serve`: the local rehearsal with its deploy API (simulated API Gateway) on
 * 127.0.0.1, a demo service `web` live on blue under steady load, and a spec file for it — so
 * `greenlight deploy|status|approve|abort --api <local URL>` can be tried on real local deployments.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { DeploymentSpecInput } from '../shared/domain/spec';
import { LoadGenerator } from '../shared/local/load-generator';
import { LocalDeployApi } from '../shared/local/api/local-api';
import { awsTimingHeader, Rehearsal } from '../shared/local/rehearsal';
import { parseCompression } from './aws-timing-flag';
import { writeReport } from './report';

/** Default compression of `serve --aws-timing`: a 60-s hold and its publication in about 20 real s. */
export const DEFAULT_SERVE_COMPRESSION = 10;

export const SERVE_USAGE = `usage: greenlight serve [--port N] [--rate N] [--work-dir DIR] [--aws-timing [--compress N]]

  Starts the local rehearsal and its deploy API (a simulated API Gateway, unsigned, on 127.0.0.1),
  runs the demo service "web" on blue (greenlight/demo-app:v1) under N requests/s (default 50), and
  writes a spec for it whose second step waits for an approval. Ctrl-C stops everything.

  --aws-timing   metrics as CloudWatch publishes them (60-s periods, 120 s after they end) and a
                 spec with AWS-like holds, on a clock compressed N times (--compress, default ${DEFAULT_SERVE_COMPRESSION}):
                 every time the API and the history show is virtual.
`;

/** The plan of the served spec: quick steps, the second held for a person's approval. */
const SERVE_PLAN: Partial<DeploymentSpecInput> = {
  plan: {
    steps: [
      { weight: 10, holdSeconds: 5 },
      { weight: 50, holdSeconds: 5, approval: true },
    ],
  },
  gate: {
    intervalSeconds: 1,
    minRequests: 20,
    maxErrorRate: 0.01,
    consecutiveFailures: 2,
    stepTimeoutSeconds: 300,
  },
  launch: { timeoutSeconds: 60, pollSeconds: 1 },
  bakeSeconds: 5,
  // The rehearsal's 1-s, lag-free data (not CloudWatch's 60-s periods published minutes later).
  metrics: { periodSeconds: 1, publishDelaySeconds: 0 },
  // The local proxy applies weights at once; keep the default (15 s) on AWS.
  trafficSettleSeconds: 1,
};

/**
 * The served plan on AWS timing: AWS-like holds and intervals, valid on the spec's default
 * `metrics` (CloudWatch's 60-s periods published 120 s after they end); an hour (virtual) to approve.
 */
const AWS_TIMING_SERVE_PLAN: Partial<DeploymentSpecInput> = {
  plan: {
    steps: [
      { weight: 10, holdSeconds: 60 },
      { weight: 50, holdSeconds: 60, approval: true },
    ],
  },
  gate: {
    intervalSeconds: 10,
    minRequests: 20,
    maxErrorRate: 0.01,
    consecutiveFailures: 2,
    stepTimeoutSeconds: 3600,
  },
  launch: { timeoutSeconds: 600, pollSeconds: 10 },
  bakeSeconds: 120,
};

export interface ServeIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  /** Resolves when the server should stop (default: SIGINT or SIGTERM). */
  stopSignal?: Promise<unknown>;
}

export async function serveCommand(args: string[], io: ServeIo): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args,
      options: {
        port: { type: 'string', default: '0' },
        rate: { type: 'string', default: '50' },
        'work-dir': { type: 'string', default: '.greenlight' },
        'aws-timing': { type: 'boolean', default: false },
        compress: { type: 'string' },
      },
      strict: true,
    }).values;
  } catch (error) {
    io.stderr.write(`greenlight serve: ${(error as Error).message}\n${SERVE_USAGE}`);
    return 2;
  }
  const port = Number(values.port);
  const rate = Number(values.rate);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    io.stderr.write(`--port: expected an integer from 0 to 65535, got "${values.port}"\n`);
    return 2;
  }
  if (!Number.isInteger(rate) || rate < 1 || rate > 2000) {
    io.stderr.write(`--rate: expected an integer from 1 to 2000, got "${values.rate}"\n`);
    return 2;
  }
  const compress = parseCompression(values.compress, values['aws-timing'], DEFAULT_SERVE_COMPRESSION);
  if (typeof compress === 'string') {
    io.stderr.write(`${compress}\n`);
    return 2;
  }
  const workDir = path.resolve(values['work-dir']);
  const rehearsal = await Rehearsal.start({
    workDir,
    console: io.stdout,
    ...(compress !== null ? { awsTiming: { compress } } : {}),
  });
  const aws = rehearsal.awsTiming;
  let load: LoadGenerator | undefined;
  let api: LocalDeployApi | undefined;
  try {
    const base = await rehearsal.createService({
      service: 'web',
      image: 'greenlight/demo-app:v1',
      desiredCount: 2,
    });
    load = new LoadGenerator({ url: `${rehearsal.proxy.url}/`, ratePerSecond: rate, maxInFlight: 100 });
    load.start();
    api = await LocalDeployApi.start(rehearsal, {
      port,
      onEnded: (result) => {
        io.stdout.write(
          `deployment ${result.deploymentId} ended: ${result.record?.status ?? result.status}\n`,
        );
        if (!result.record) return;
        writeReport(workDir, result.record, result.history).then(
          (written) => io.stdout.write(`report: ${path.relative(process.cwd(), written.file)}\n`),
          (error: unknown) =>
            io.stderr.write(`report of ${result.deploymentId} not written: ${String(error)}\n`),
        );
      },
    });
    const specFile = path.join(workDir, 'web.local.json');
    await mkdir(workDir, { recursive: true });
    const plan = aws ? AWS_TIMING_SERVE_PLAN : SERVE_PLAN;
    await writeFile(specFile, `${JSON.stringify({ ...base, ...plan }, null, 2)}\n`);
    const images = rehearsal.catalog.known().filter((image) => image !== 'greenlight/demo-app:v1');
    io.stdout.write(
      [
        ...(aws
          ? [
              awsTimingHeader(aws),
              'Times in records and history are virtual (they run ahead of the wall clock).',
            ]
          : []),
        `local API (simulated API Gateway, unsigned): ${api.url}`,
        `service web: blue on greenlight/demo-app:v1, ${rate} requests/s through the local ALB ${rehearsal.proxy.url}`,
        `spec: ${path.relative(process.cwd(), specFile)} (step 2 waits for an approval)`,
        '',
        `  export GREENLIGHT_API_URL=${api.url}`,
        `  npx greenlight deploy --spec ${path.relative(process.cwd(), specFile)} --image greenlight/demo-app:v2 --wait`,
        '  npx greenlight approve ID     (or promote, abort, pause, resume; status ID, history ID)',
        '',
        `other images: ${images.join(', ')}`,
        'Ctrl-C stops everything.',
        '',
      ].join('\n'),
    );
    await (io.stopSignal ?? signalled());
    return 0;
  } finally {
    await api?.stop();
    await load?.stop();
    await rehearsal.stop();
  }
}

function signalled(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
