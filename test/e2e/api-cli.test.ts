/**
 * The greenlight CLI against the local API (simulated API Gateway) on the local rehearsal: real
 * HTTP requests, the production API handler, executions of the blue/green state machine on real
 * processes behind the weighted proxy, the production DynamoDB adapters on dynalite.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { deploymentsCommand } from '../../bin/deployments';
import { reportCommand } from '../../bin/report';
import type { DeploymentRecord } from '../../shared/domain/deployment';
import type { DeploymentSpecInput } from '../../shared/domain/spec';
import { LoadGenerator } from '../../shared/local/load-generator';
import { LocalDeployApi } from '../../shared/local/api/local-api';
import { Rehearsal } from '../../shared/local/rehearsal';
import { sleep, waitFor } from '../fixtures/local-infra';

const ROOT = path.resolve(__dirname, '../..');
const CALLER = 'local:e2e-operator';

/** One step at 50 % that waits for a person's approval once its gate has passed. */
const APPROVAL_PLAN: Partial<DeploymentSpecInput> = {
  plan: { steps: [{ weight: 50, holdSeconds: 1, approval: true }] },
  gate: {
    intervalSeconds: 1,
    minRequests: 10,
    maxErrorRate: 0.01,
    consecutiveFailures: 2,
    stepTimeoutSeconds: 60,
  },
  launch: { timeoutSeconds: 30, pollSeconds: 1 },
  bakeSeconds: 1,
  // The rehearsal's 1-s, lag-free data (not CloudWatch's 60-s periods published minutes later).
  metrics: { periodSeconds: 1, publishDelaySeconds: 0 },
  // The local proxy applies weights at once: a short settle before scale-downs.
  trafficSettleSeconds: 1,
};

describe('greenlight CLI on the local API (end to end)', () => {
  let rehearsal: Rehearsal;
  let load: LoadGenerator;
  let api: LocalDeployApi;
  let specFile: string;
  let workDir: string;
  let deploySpy: jest.SpyInstance;

  /** Runs a CLI command in-process, as `greenlight <command> ... --api <local URL>`. */
  async function cli(command: string, ...args: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await deploymentsCommand(command, [...args, '--api', api.url], {
      stdout: { write: (chunk: string) => (stdout += chunk) },
      stderr: { write: (chunk: string) => (stderr += chunk) },
      env: {},
    });
    return { code, stdout, stderr };
  }

  const record = async (id: string) =>
    JSON.parse((await cli('status', id, '--json')).stdout) as DeploymentRecord & {
      awaitingApproval?: boolean;
    };

  /** Until the deployment is at its approval step, then long enough for its gate to pass and its hold to end. */
  async function waitForApproval(id: string) {
    await waitFor(
      `${id} to await an approval`,
      async () => {
        const current = await record(id).catch(() => null);
        return current?.status === 'IN_PROGRESS' && current.awaitingApproval === true;
      },
      30_000,
    );
    await sleep(3000);
  }

  beforeAll(async () => {
    workDir = mkdtempSync(path.join(os.tmpdir(), 'greenlight-api-e2e-'));
    rehearsal = await Rehearsal.start({ workDir });
    const base = await rehearsal.createService({
      service: 'web',
      image: 'greenlight/demo-app:v1',
      desiredCount: 1,
    });
    load = new LoadGenerator({ url: `${rehearsal.proxy.url}/`, ratePerSecond: 60, maxInFlight: 50 });
    load.start();
    api = await LocalDeployApi.start(rehearsal, { caller: CALLER });
    specFile = path.join(workDir, 'web.json');
    writeFileSync(specFile, JSON.stringify({ ...base, ...APPROVAL_PLAN }));
    deploySpy = jest.spyOn(rehearsal, 'deploy');
  }, 60_000);

  afterAll(async () => {
    await api?.stop();
    await load?.stop();
    await rehearsal?.stop();
  });

  let firstId: string;

  it('plans a deployment with a dry run: the live color, the image diff, the steps; nothing starts', async () => {
    const plan = await cli('plan', '--spec', specFile, '--image', 'greenlight/demo-app:v2');
    const asJson = await cli('plan', '--spec', specFile, '--image', 'greenlight/demo-app:v2', '--json');
    const list = JSON.parse((await cli('deployments', 'web', '--json')).stdout) as { deployments: unknown[] };

    expect(plan).toMatchObject({ code: 0, stderr: '' });
    expect(plan.stdout).toContain('would deploy greenlight/demo-app:v2 — nothing was changed');
    expect(plan.stdout).toContain('colors     blue live → green new, brought up to 1 task(s)');
    expect(plan.stdout).toContain('weights    blue 100 % / green 0 %');
    expect(plan.stdout).toMatch(/- containerDefinitions\[[\w-]+\]\.image: greenlight\/demo-app:v1\n/);
    expect(plan.stdout).toMatch(/\+ containerDefinitions\[[\w-]+\]\.image: greenlight\/demo-app:v2\n/);
    expect(plan.stdout).toMatch(/\n1 +50 % +1 s .*yes\nbake +100 % +1 s/);
    expect(JSON.parse(asJson.stdout)).toMatchObject({
      dryRun: true,
      plan: {
        wouldStart: true,
        liveColor: 'blue',
        steps: [{ weight: 50, approval: true }, { phase: 'bake' }],
      },
    });
    expect(deploySpy).not.toHaveBeenCalled();
    expect(list.deployments).toEqual([]);
  }, 30_000);

  it('deploys once per idempotency key, refuses a second deployment of the busy service, and promotes on approval', async () => {
    const deploy = (key: string, image = 'greenlight/demo-app:v2') =>
      cli('deploy', '--spec', specFile, '--image', image, '--idempotency-key', key, '--json');

    const first = await deploy('release-2');
    const retry = await deploy('release-2');
    const started = JSON.parse(first.stdout) as { deploymentId: string; outcome: string };
    firstId = started.deploymentId;
    await waitForApproval(firstId);
    const busy = await deploy('release-3', 'greenlight/demo-app:v3-faulty');
    const busyPlan = await cli('plan', '--spec', specFile, '--image', 'greenlight/demo-app:v3-faulty');
    const held = await record(firstId);
    const approve = await cli('approve', firstId);
    await api.settled(firstId);
    const status = await cli('status', firstId);

    expect([first.code, retry.code]).toEqual([0, 0]);
    expect(started.outcome).toBe('started');
    expect(JSON.parse(retry.stdout)).toMatchObject({ deploymentId: firstId, outcome: 'existing' });
    expect(deploySpy).toHaveBeenCalledTimes(1);
    expect(busy.code).toBe(3);
    expect(busy.stderr).toContain(
      `409 ServiceBusyError: service web (cluster local) is being deployed by ${firstId}`,
    );
    expect(JSON.parse(busy.stdout)).toMatchObject({ status: 409, runningDeployment: firstId });
    expect(busyPlan.code).toBe(5);
    expect(busyPlan.stdout).toContain(
      `LockConflictError: service web (cluster local) is being deployed by ${firstId}`,
    );
    expect(busyPlan.stdout).toContain('traffic is split (blue 50 %, green 50 %)');
    expect(held).toMatchObject({
      status: 'IN_PROGRESS',
      requestedBy: CALLER,
      currentStep: { index: 0, weight: 50 },
    });
    expect(approve).toMatchObject({ code: 0, stderr: '' });
    expect(approve.stdout).toContain(`approve recorded for ${firstId}`);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`${firstId}  PROMOTED`);
    expect((await record(firstId)).approvedSteps).toEqual([0]);
  }, 60_000);

  it("shows a deployment's verdicts: status --watch --json with the last verdict's figures, history as a table", async () => {
    const watched = await cli('status', firstId, '--watch', '--json');
    const history = await cli('history', firstId);
    const verbose = await cli('history', firstId, '--verbose');
    const views = watched.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);

    // Ended: one object, the deployment as it ended, with green's and blue's figures at the last
    // evaluation (the record's observation log).
    expect(watched.code).toBe(0);
    expect(views).toHaveLength(1);
    expect(views[0]).toMatchObject({
      id: firstId,
      status: 'PROMOTED',
      last: {
        source: 'observation',
        decision: 'advance',
        colors: { green: { requests: expect.any(Number) }, blue: { requests: expect.any(Number) } },
      },
    });
    expect(history.stdout).toMatch(
      /GATE_PASSED +step 1 +passed +\d+ req {2}\d+\.\d\d % 5xx {2}p99 \d+ ms +\d+ req/,
    );
    expect(history.stdout).toMatch(/GATE_PASSED +bake +passed/);
    expect(verbose.stdout).toMatch(/GATE_PASSED +step 1 passed: .*\n +green \d+ req/);
  }, 30_000);

  it("writes a deployment's HTML report with `greenlight report`, prints it with --out -, and refuses an unknown id", async () => {
    const report = async (...args: string[]) => {
      let stdout = '';
      let stderr = '';
      const code = await reportCommand([...args, '--api', api.url], {
        stdout: { write: (chunk: string) => (stdout += chunk) },
        stderr: { write: (chunk: string) => (stderr += chunk) },
        env: {},
      });
      return { code, stdout, stderr };
    };
    const file = path.join(workDir, 'out', `${firstId}.html`);

    const written = await report(firstId, '--out', file);
    const printed = await report(firstId, '--out', '-');
    const unknown = await report('web-unknown', '--out', path.join(workDir, 'unknown.html'));

    expect(written).toMatchObject({ code: 0, stderr: '' });
    const html = readFileSync(file, 'utf8');
    expect(written.stdout).toBe(`report: ${file} (${(Buffer.byteLength(html) / 1024).toFixed(1)} KB)\n`);
    expect(html.startsWith('<!doctype html>\n<html')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expect(html).toContain(`<title>web PROMOTED — ${firstId}</title>`);
    expect(html).toMatch(/<svg[^>]*>[\s\S]*<\/svg>/);
    // Self-contained: nothing to fetch when the file is opened.
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)="https?:/);
    // The same page, rendered again (its footer says when).
    const rendered = (page: string) => page.replace(/rendered [\d-]+T[\d:.]+Z/, 'rendered <time>');
    expect(printed).toMatchObject({ code: 0, stderr: '' });
    expect(rendered(printed.stdout)).toBe(rendered(html));
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toContain(
      'greenlight report: 404 NotFoundError: no deployment record web-unknown',
    );
    expect(() => readFileSync(path.join(workDir, 'unknown.html'))).toThrow('ENOENT');
  }, 30_000);

  it('follows a deployment with --wait and rolls it back on abort, naming who aborted', async () => {
    const waiting = cli(
      'deploy',
      '--spec',
      specFile,
      '--image',
      'greenlight/demo-app:v2',
      '--idempotency-key',
      'release-2b',
      '--wait',
      '--poll-seconds',
      '0.5',
    );
    let id = '';
    await waitFor('the second deployment to start', async () => {
      const list = JSON.parse((await cli('deployments', 'web', '--json')).stdout) as {
        deployments: { id: string }[];
      };
      id = list.deployments.find((d) => d.id !== firstId)?.id ?? '';
      return id !== '';
    });
    await waitForApproval(id);
    const abort = await cli('abort', id);
    const followed = await waiting;
    const history = await cli('history', id);

    expect(abort.code).toBe(0);
    expect(followed.code).toBe(4);
    expect(followed.stdout).toContain(`started deployment ${id}`);
    expect(followed.stdout).toMatch(/IN_PROGRESS {2}step 1\/1 at 50 % on blue/);
    expect(followed.stdout).toContain(`${id}  ROLLED_BACK`);
    expect(followed.stdout).toContain(`aborted by ${CALLER}`);
    const final = await record(id);
    expect(final.status).toBe('ROLLED_BACK');
    expect(final.error?.cause).toContain(`aborted by ${CALLER}`);
    expect(history.stdout).toMatch(new RegExp(`CONTROL_ABORT\\s+abort requested by ${CALLER}`));
    expect(rehearsal.proxy.getWeights()).toEqual({ 'web-blue-tg': 0, 'web-green-tg': 100 });
  }, 60_000);

  it('runs as `greenlight status` from the command line, with exit status 2 for an unknown deployment', async () => {
    const run = (...args: string[]) =>
      promisify(execFile)(process.execPath, [path.join(ROOT, 'bin/greenlight.js'), ...args], {
        cwd: ROOT,
        env: { ...process.env, GREENLIGHT_API_URL: api.url },
      }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (error: { code: number; stdout: string; stderr: string }) => error,
      );

    const [known, unknown] = await Promise.all([run('status', firstId), run('status', 'web-unknown')]);

    expect(known.code).toBe(0);
    expect(known.stdout).toContain(`${firstId}  PROMOTED`);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('404 NotFoundError: no deployment web-unknown');
  }, 30_000);
});
