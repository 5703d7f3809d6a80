import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DeploymentSpecInput } from '../../shared/domain/spec';
import { LocalHookServer } from '../../shared/local/hook-server';
import { LoadGenerator } from '../../shared/local/load-generator';
import { Rehearsal } from '../../shared/local/rehearsal';

const FAST_PLAN: Partial<DeploymentSpecInput> = {
  plan: { preset: 'canary', weights: [50], holdSeconds: 1 },
  gate: {
    intervalSeconds: 1,
    minRequests: 10,
    consecutiveFailures: 2,
    stepTimeoutSeconds: 20,
    minDetectableIncrease: 0.05,
  },
  launch: { timeoutSeconds: 30, pollSeconds: 1 },
  bakeSeconds: 1,
  // The rehearsal's 1-s, lag-free data (not CloudWatch's 60-s periods published minutes later).
  metrics: { periodSeconds: 1, publishDelaySeconds: 0 },
  trafficSettleSeconds: 1,
};

describe('local rehearsal: user hooks as local webhooks (real processes, real sockets)', () => {
  let rehearsal: Rehearsal;
  let hooks: LocalHookServer;
  let load: LoadGenerator;
  let spec: DeploymentSpecInput;

  beforeAll(async () => {
    rehearsal = await Rehearsal.start({
      workDir: mkdtempSync(path.join(os.tmpdir(), 'greenlight-e2e-hooks-')),
    });
    hooks = await LocalHookServer.start({
      '/release-check': [
        { body: { result: 'wait', retryAfterSeconds: 1, reason: 'ticket pending' } },
        { body: { result: 'pass' } },
      ],
      '/freeze': [{ body: { result: 'fail', reason: 'change freeze' } }],
      '/slow': ['hang'],
    });
    const base = await rehearsal.createService({
      service: 'web',
      image: 'greenlight/demo-app:v1',
      desiredCount: 1,
    });
    spec = { ...base, ...FAST_PLAN };
    load = new LoadGenerator({ url: `${rehearsal.proxy.url}/`, ratePerSecond: 100, maxInFlight: 50 });
    load.start();
  }, 60_000);

  afterAll(async () => {
    await load?.stop();
    await hooks?.stop();
    await rehearsal?.stop();
  });

  it('promotes once the beforePromote webhook passes after a wait', async () => {
    const result = await rehearsal.deploy(
      {
        deploymentId: 'hooks-good',
        image: 'greenlight/demo-app:v2',
        spec: {
          ...spec,
          hooks: { beforePromote: { name: 'release-check', url: `${hooks.url}/release-check` } },
        },
      },
      { timeScale: 0.5 },
    );
    expect(result.record?.status).toBe('PROMOTED');
    const calls = hooks.calls.filter((c) => c.path === '/release-check');
    expect(calls.map((c) => c.context.attempt)).toEqual([1, 2]);
    expect(calls[0]!.context).toMatchObject({
      deploymentId: 'hooks-good',
      service: 'web',
      image: 'greenlight/demo-app:v2',
      stage: 'beforePromote',
      colors: { live: 'blue', new: 'green' },
      weights: { blue: 0, green: 100 },
    });
    expect(result.history.filter((e) => e.type === 'USER_HOOK_CALLED').map((e) => e.data?.['move'])).toEqual([
      'wait',
      'pass',
    ]);
  }, 60_000);

  it('rolls back when a beforeStep webhook fails, before the step takes traffic, and tells onRollback', async () => {
    const changesBefore = rehearsal.weightChanges.length;
    const result = await rehearsal.deploy(
      {
        deploymentId: 'hooks-freeze',
        image: 'greenlight/demo-app:v1',
        spec: {
          ...spec,
          hooks: {
            beforeStep: { name: 'freeze', url: `${hooks.url}/freeze` },
            onRollback: { name: 'pager', url: `${hooks.url}/slow`, timeoutSeconds: 1 },
          },
        },
      },
      { timeScale: 0.5 },
    );
    expect(result.record?.status).toBe('ROLLED_BACK');
    expect(result.record?.error?.cause).toBe('user hook "freeze" (beforeStep) failed: change freeze');
    // The only weights set were the rollback's: none gave the new color any traffic.
    const newColor = result.record!.newColor!;
    expect(rehearsal.weightChanges.slice(changesBefore).every((c) => c.weights[newColor] === 0)).toBe(true);
    // onRollback timed out after 1 s and changed nothing.
    const told = result.history.filter(
      (e) => e.type === 'USER_HOOK_CALLED' && e.data?.['stage'] === 'onRollback',
    );
    expect(told).toHaveLength(1);
    expect(told[0]!.message).toMatch(/timeout after 1000 ms/);
  }, 60_000);
});
