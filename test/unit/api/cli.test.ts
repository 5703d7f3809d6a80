import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { ApiClient, regionOfUrl } from '../../../bin/api-client';
import { deploymentsCommand, formatEvents, formatRecord } from '../../../bin/deployments';
import { specFor } from '../../fixtures/spec';

const API = 'https://abc123.execute-api.eu-west-1.amazonaws.com';
const FAKE_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  AWS_SESSION_TOKEN: 'session-token-example',
};

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** A fetch that records each request and answers with `reply` (JSON). */
function fakeFetch(reply: { status: number; body: unknown } = { status: 200, body: {} }) {
  const sent: Sent[] = [];
  const fetch = (async (input: URL | string, init: RequestInit = {}) => {
    sent.push({
      url: String(input),
      method: init.method ?? 'GET',
      headers: init.headers as Record<string, string>,
      body: init.body as string | undefined,
    });
    return new Response(JSON.stringify(reply.body), {
      status: reply.status,
      headers: { 'content-type': 'application/json' },
    });
  }) as typeof globalThis.fetch;
  return { fetch, sent };
}

async function run(
  command: string,
  args: string[],
  options: { fetch?: typeof fetch; env?: NodeJS.ProcessEnv } = {},
) {
  let stdout = '';
  let stderr = '';
  const code = await deploymentsCommand(command, args, {
    stdout: { write: (c: string) => (stdout += c) },
    stderr: { write: (c: string) => (stderr += c) },
    env: options.env ?? {},
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  return { code, stdout, stderr };
}

function specFile(): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'greenlight-cli-')), 'web.json');
  writeFileSync(file, JSON.stringify(specFor()));
  return file;
}

describe('greenlight deploy API commands', () => {
  let saved: NodeJS.ProcessEnv;
  beforeEach(() => {
    saved = { ...process.env };
    // The default credential chain reads the environment first: fake credentials, no profile.
    delete process.env.AWS_PROFILE;
    Object.assign(process.env, FAKE_CREDENTIALS);
  });
  afterEach(() => {
    process.env = saved;
  });

  it('signs requests to an https API with SigV4 for execute-api in the URL region, with the default credential chain', async () => {
    const { fetch, sent } = fakeFetch({
      status: 202,
      body: { deploymentId: 'web-abc', outcome: 'started', links: {} },
    });

    const result = await run(
      'deploy',
      ['--api', API, '--spec', specFile(), '--image', 'registry/web:2', '--idempotency-key', 'k-1'],
      { fetch },
    );

    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('started deployment web-abc');
    expect(sent).toHaveLength(1);
    const request = sent[0]!;
    expect(request.url).toBe(`${API}/deployments`);
    expect(request.method).toBe('POST');
    expect(JSON.parse(request.body!)).toEqual({ image: 'registry/web:2', spec: specFor() });
    expect(request.headers['idempotency-key']).toBe('k-1');
    expect(request.headers['x-amz-security-token']).toBe('session-token-example');
    expect(request.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    const day = request.headers['x-amz-date']!.slice(0, 8);
    expect(request.headers.authorization).toMatch(
      new RegExp(
        `^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/${day}/eu-west-1/execute-api/aws4_request, ` +
          'SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$',
      ),
    );
    // The idempotency key is covered by the signature, so it cannot be changed on the way.
    expect(request.headers.authorization).toMatch(/SignedHeaders=[^,]*idempotency-key/);
    // The signature is valid for exactly what was sent: re-signing the sent request agrees.
    const {
      authorization,
      'x-amz-date': amzDate,
      'x-amz-security-token': _token,
      'x-amz-content-sha256': _sha,
      ...unsigned
    } = request.headers;
    const url = new URL(request.url);
    const resigned = await new SignatureV4({
      service: 'execute-api',
      region: 'eu-west-1',
      credentials: {
        accessKeyId: FAKE_CREDENTIALS.AWS_ACCESS_KEY_ID,
        secretAccessKey: FAKE_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
        sessionToken: FAKE_CREDENTIALS.AWS_SESSION_TOKEN,
      },
      sha256: Hash.bind(null, 'sha256'),
    }).sign(
      {
        method: request.method,
        protocol: url.protocol,
        hostname: url.hostname,
        path: url.pathname,
        query: {},
        headers: { ...unsigned, host: url.host },
        body: request.body,
      },
      {
        signingDate: new Date(
          amzDate!.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
        ),
      },
    );
    expect(resigned.headers.authorization).toBe(authorization);
  });

  it('signs for AWS_REGION when the URL is a custom domain, and refuses when no region is known', async () => {
    const { fetch, sent } = fakeFetch({ status: 200, body: { events: [] } });

    const signed = await run('history', ['web-1', '--api', 'https://deploy.example.com/greenlight'], {
      fetch,
      env: { AWS_REGION: 'eu-central-1' },
    });
    const noRegion = await run('history', ['web-1', '--api', 'https://deploy.example.com'], { fetch });

    expect(signed.code).toBe(0);
    expect(sent[0]?.url).toBe('https://deploy.example.com/greenlight/deployments/web-1/events');
    expect(sent[0]?.headers.authorization).toContain('/eu-central-1/execute-api/aws4_request');
    expect(noRegion.code).toBe(2);
    expect(noRegion.stderr).toContain('cannot tell the AWS region from "deploy.example.com"');
  });

  it('sends requests to a local API on 127.0.0.1 unsigned, and refuses plain http elsewhere', async () => {
    const { fetch, sent } = fakeFetch({ status: 200, body: { id: 'web-1', status: 'PROMOTED' } });

    const local = await run('status', ['web-1', '--api', 'http://127.0.0.1:4321'], { fetch });
    const remote = await run('status', ['web-1', '--api', 'http://deploy.example.com'], { fetch });

    expect(local.code).toBe(0);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.headers.authorization).toBeUndefined();
    expect(sent[0]?.headers['x-amz-security-token']).toBeUndefined();
    expect(remote.code).toBe(2);
    expect(remote.stderr).toContain('plain http is only for a local API on 127.0.0.1');
  });

  it('takes the URL from GREENLIGHT_API_URL, and requires one', async () => {
    const { fetch, sent } = fakeFetch({ status: 202, body: { deploymentId: 'web-1', action: 'abort' } });

    const fromEnv = await run('abort', ['web-1'], { fetch, env: { GREENLIGHT_API_URL: API } });
    const none = await run('abort', ['web-1'], { fetch });

    expect(fromEnv.code).toBe(0);
    expect(sent[0]).toMatchObject({ url: `${API}/deployments/web-1/abort`, method: 'POST' });
    expect(fromEnv.stdout).toContain('abort recorded for web-1');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--api: the deploy API URL is required (or set GREENLIGHT_API_URL)');
  });

  it("exits 3 on a conflict with the API's message, and prints the error body with --json", async () => {
    const body = {
      error: 'ServiceBusyError',
      message:
        'service web (cluster prod) is being deployed by web-older: wait for it to end, or abort it first',
      runningDeployment: 'web-older',
    };
    const { fetch } = fakeFetch({ status: 409, body });

    const result = await run(
      'deploy',
      ['--api', API, '--spec', specFile(), '--image', 'registry/web:2', '--json'],
      { fetch },
    );

    expect(result.code).toBe(3);
    expect(result.stderr).toBe(`greenlight deploy: 409 ServiceBusyError: ${body.message}\n`);
    expect(JSON.parse(result.stdout)).toEqual({ status: 409, ...body });
  });

  it('exits 2 on invalid input, one bad field per line; 1 when the API fails or cannot be reached', async () => {
    const invalid = fakeFetch({
      status: 400,
      body: {
        error: 'InvalidInputError',
        message: 'image: bad; spec.plan.steps[1].weight: too small',
        issues: [
          { path: 'image', message: 'bad' },
          { path: 'spec.plan.steps[1].weight', message: 'too small' },
        ],
      },
    });
    const failing = fakeFetch({
      status: 500,
      body: { error: 'InternalError', message: 'the request failed' },
    });
    const unreachable = (() => Promise.reject(new TypeError('fetch failed'))) as unknown as typeof fetch;
    const args = ['--api', API, '--spec', specFile(), '--image', 'registry/web:2'];

    const bad = await run('deploy', args, { fetch: invalid.fetch });
    const broken = await run('deploy', args, { fetch: failing.fetch });
    const down = await run('deploy', args, { fetch: unreachable });

    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'greenlight deploy: 400 InvalidInputError: invalid request\n  image: bad\n  spec.plan.steps[1].weight: too small\n',
    );
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('500 InternalError: the request failed');
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('fetch failed');
  });

  it('checks its own arguments before sending anything', async () => {
    const { fetch, sent } = fakeFetch();

    const noSpec = await run('deploy', ['--api', API, '--image', 'x'], { fetch });
    const badFile = await run('deploy', ['--api', API, '--image', 'x', '--spec', '/nonexistent.json'], {
      fetch,
    });
    const unknownOption = await run('status', ['web-1', '--api', API, '--colour'], { fetch });
    const twoIds = await run('approve', ['a', 'b', '--api', API], { fetch });
    const watchHistory = await run('history', ['web-1', '--api', API, '--watch'], { fetch });
    const verboseStatus = await run('status', ['web-1', '--api', API, '--verbose'], { fetch });
    const watchApprove = await run('approve', ['web-1', '--api', API, '--watch'], { fetch });

    expect([noSpec.code, badFile.code, unknownOption.code, twoIds.code]).toEqual([2, 2, 2, 2]);
    expect(noSpec.stderr).toContain('--spec: the deployment spec file (JSON) is required');
    expect(badFile.stderr).toContain('--spec: /nonexistent.json is not readable JSON');
    expect(twoIds.stderr).toContain('expected exactly one ID, got 2');
    expect([watchHistory.code, verboseStatus.code, watchApprove.code]).toEqual([2, 2, 2]);
    expect(watchHistory.stderr).toContain('--watch: for status, not history');
    expect(verboseStatus.stderr).toContain('--verbose: for history, not status');
    expect(watchApprove.stderr).toContain("Unknown option '--watch'");
    expect(sent).toHaveLength(0);
  });

  /** A fetch that answers POST /deployments, then the record polls in order; events are none (404) or `events`. */
  function followedDeployment(records: unknown[], events: unknown[] | null = null) {
    const polls = [...records];
    return (async (input: string | URL) => {
      const url = String(input);
      if (url.endsWith('/deployments')) {
        return new Response(JSON.stringify({ deploymentId: 'web-1', outcome: 'started' }), { status: 202 });
      }
      if (url.endsWith('/events')) {
        return events === null
          ? new Response(JSON.stringify({ error: 'NotFoundError', message: 'no deployment web-1' }), {
              status: 404,
            })
          : new Response(JSON.stringify({ deploymentId: 'web-1', events }), { status: 200 });
      }
      const body = polls.length > 1 ? polls.shift() : polls[0];
      return new Response(JSON.stringify(body), { status: 200 });
    }) as unknown as typeof globalThis.fetch;
  }

  const FOLLOWED = [
    { id: 'web-1', status: 'STARTING', execution: 'RUNNING' },
    {
      id: 'web-1',
      status: 'IN_PROGRESS',
      newColor: 'green',
      currentStep: { phase: 'step', index: 0, weight: 10 },
    },
    {
      id: 'web-1',
      status: 'IN_PROGRESS',
      newColor: 'green',
      currentStep: { phase: 'step', index: 0, weight: 10 },
    },
    { id: 'web-1', status: 'ROLLED_BACK', error: { error: 'DeploymentRolledBack', cause: 'gate failed' } },
  ];

  async function follow(
    args: string[],
    stdoutExtra: { isTTY?: boolean; columns?: number } = {},
    events: unknown[] | null = null,
  ) {
    let stdout = '';
    const code = await deploymentsCommand(args[0]!, [...args.slice(1), '--api', API], {
      stdout: { write: (c: string) => (stdout += c), ...stdoutExtra },
      stderr: { write: () => undefined },
      env: {},
      fetch: followedDeployment(FOLLOWED, events),
      sleep: async () => undefined,
    });
    return { code, stdout };
  }

  it('follows a deployment with --wait until it ends, one line per change in a pipe; exit 4 when it is not promoted', async () => {
    const { code, stdout } = await follow([
      'deploy',
      '--spec',
      specFile(),
      '--image',
      'registry/web:2',
      '--wait',
    ]);

    expect(code).toBe(4);
    // Two identical IN_PROGRESS polls make one line: a line per change, not per poll.
    expect(stdout).toMatch(
      /STARTING\n.*IN_PROGRESS {2}step 1 at 10 % on green\n.*ROLLED_BACK {2}error DeploymentRolledBack: gate failed\n/,
    );
    expect(stdout).toContain('error      DeploymentRolledBack: gate failed');
    expect(stdout).not.toContain('\u001b[');
  });

  it('prints one JSON object per change with --json, the last line being the outcome', async () => {
    const { code, stdout } = await follow([
      'deploy',
      '--spec',
      specFile(),
      '--image',
      'registry/web:2',
      '--wait',
      '--json',
    ]);
    const lines = stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);

    expect(code).toBe(4);
    expect(lines.map((l) => l.status)).toEqual(['STARTING', 'IN_PROGRESS', 'ROLLED_BACK', undefined]);
    expect(lines[3]).toMatchObject({
      deploymentId: 'web-1',
      outcome: 'started',
      deployment: { status: 'ROLLED_BACK' },
    });
    expect(stdout).not.toContain('\u001b[');
  });

  it('redraws the view in place on a terminal with status --watch', async () => {
    const events = [
      { at: 0, type: 'WEIGHTS_SET', message: 'weights', data: { weights: { blue: 90, green: 10 } } },
    ];
    const { code, stdout } = await follow(
      ['status', 'web-1', '--watch'],
      { isTTY: true, columns: 80 },
      events,
    );
    const frames = stdout.split('\u001b[0J').slice(0, -1);

    expect(code).toBe(0);
    // Every poll redraws (elapsed time moves): 4 frames, each after the first moving up over the one before.
    expect(frames).toHaveLength(4);
    expect(frames[0]).toBe('\r\u001b[2Kweb-1  STARTING\n\u001b[2K  weights   blue 90 % / green 10 %\n');
    expect(frames[1]!.startsWith('\u001b[2A\r\u001b[2Kweb-1  IN_PROGRESS\n')).toBe(true);
    expect(frames[1]).toContain('  step      step 1 at 10 %');
    expect(frames[3]!.startsWith('\u001b[3A\r\u001b[2Kweb-1  ROLLED_BACK\n')).toBe(true);
    expect(frames[3]).toContain('error     DeploymentRolledBack: gate failed');
  });

  it('prints usage with --help', async () => {
    const result = await run('deploy', ['--help']);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('greenlight deploy --spec FILE.json --image IMAGE');
  });
});

describe('ApiClient', () => {
  it('tells the region from an execute-api URL', () => {
    expect(regionOfUrl(new URL(API))).toBe('eu-west-1');
    expect(regionOfUrl(new URL('https://x.execute-api.cn-north-1.amazonaws.com.cn'))).toBe('cn-north-1');
    expect(regionOfUrl(new URL('https://deploy.example.com'))).toBeUndefined();
  });

  it('is unsigned only for plain-http loopback URLs', () => {
    expect(new ApiClient({ url: 'http://127.0.0.1:1' }).signed).toBe(false);
    expect(new ApiClient({ url: 'http://localhost:1' }).signed).toBe(false);
    expect(new ApiClient({ url: API, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }).signed).toBe(
      true,
    );
  });
});

describe('formatting', () => {
  it('prints a record as aligned lines, with what a person needs to act', () => {
    const text = formatRecord({
      id: 'web-1',
      status: 'IN_PROGRESS',
      service: 'web',
      cluster: 'prod',
      image: 'registry/web:2',
      liveColor: 'blue',
      newColor: 'green',
      currentStep: { phase: 'step', index: 1, weight: 50 },
      requestedBy: 'arn:aws:iam::123456789012:user/alice',
      startedAt: Date.UTC(2026, 10, 25, 12),
      awaitingApproval: true,
    });

    expect(text).toBe(
      [
        'web-1  IN_PROGRESS',
        '  service    web (cluster prod)',
        '  image      registry/web:2',
        '  colors     blue live → green new',
        '  step       step 2 at 50 % (needs approval: greenlight approve web-1)',
        '  requested  by arn:aws:iam::123456789012:user/alice at 2026-11-25T12:00:00.000Z',
        '',
      ].join('\n'),
    );
  });

  it('prints events one per line', () => {
    expect(formatEvents([{ at: Date.UTC(2026, 10, 25, 12), type: 'PREPARED', message: 'live blue' }])).toBe(
      '2026-11-25T12:00:00.000Z  PREPARED  live blue\n',
    );
    expect(formatEvents([])).toBe('no events yet\n');
  });
});
