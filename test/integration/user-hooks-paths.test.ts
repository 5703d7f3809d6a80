import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { USER_HOOK_CALLED } from '../../functions/deploy/user-hooks';
import { WebhookUserHooks } from '../../shared/aws/webhook-user-hooks';
import type { DeploymentSpecInput } from '../../shared/domain/spec';
import { specFor } from '../fixtures/spec';
import {
  memoryRequest,
  memoryTestTraffic,
  memoryWorld,
  runInMemory,
  statesEntered,
} from '../support/memory-world';
import { answer, MemoryUserHooks } from '../support/memory-user-hooks';

const hookNamed = (name: string) => ({ name, url: 'https://hooks.example.com/greenlight?token=t' });
const request = (spec: Partial<DeploymentSpecInput>) =>
  memoryRequest({ spec: specFor(spec, { pace: 'memory' }) });

function hookEvents(world: ReturnType<typeof memoryWorld>) {
  return (world.store.events.get('d-1') ?? []).filter((e) => e.type === USER_HOOK_CALLED);
}

describe('user hooks in the blue/green state machine (memory world)', () => {
  it('promotes with a passing hook at every stage, each told the deployment context', async () => {
    // Prepare
    const hooks = {
      beforeLaunch: hookNamed('pre'),
      afterLaunch: hookNamed('launched'),
      beforeStep: hookNamed('step'),
      beforePromote: hookNamed('promote'),
      afterPromote: hookNamed('done'),
      onRollback: hookNamed('undo'),
    };
    const userHooks = new MemoryUserHooks();
    const world = { ...memoryWorld(), userHooks };
    // Act
    const result = await runInMemory(world, request({ hooks }));
    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(userHooks.stagesCalled()).toEqual([
      'beforeLaunch',
      'afterLaunch',
      'beforeStep',
      'beforeStep',
      'beforePromote',
      'afterPromote',
    ]);
    expect(userHooks.calls[2]!.context).toEqual({
      deploymentId: 'd-1',
      service: 'web',
      image: 'registry.local/web:v2',
      stage: 'beforeStep',
      step: { index: 0, weight: 5 },
      colors: { live: 'blue', new: 'green' },
      weights: { blue: 95, green: 5 },
      attempt: 1,
    });
    expect(userHooks.calls[3]!.context.step).toEqual({ index: 1, weight: 25 });
    const events = hookEvents(world);
    expect(events).toHaveLength(6);
    expect(events[4]).toMatchObject({
      message: 'user hook "promote" (beforePromote) passed',
      data: { hook: 'promote', stage: 'beforePromote', target: 'https://hooks.example.com', result: 'pass' },
    });
    // The target is recorded by its origin: the token in the query never reaches the history.
    expect(JSON.stringify(world.store.events.get('d-1'))).not.toContain('token=');
  });

  it('rolls back when beforeStep fails, with the hook named in the cause, before the step takes traffic', async () => {
    const userHooks = new MemoryUserHooks({
      beforeStep: [answer({ result: 'pass' }), answer({ result: 'fail', reason: 'error budget spent' })],
    });
    const world = { ...memoryWorld(), userHooks };
    const result = await runInMemory(world, request({ hooks: { beforeStep: hookNamed('budget') } }));
    expect(result.status).toBe('FAILED');
    expect(world.router.history).toEqual([
      { blue: 95, green: 5 },
      { blue: 100, green: 0 },
    ]);
    const record = world.store.records.get('d-1');
    expect(record?.status).toBe('ROLLED_BACK');
    expect(record?.error?.error).toBe('UserHookFailedError');
    expect(record?.error?.cause).toBe('user hook "budget" (beforeStep) failed: error budget spent');
  });

  it('fails the stage on a garbage answer, saying what was wrong', async () => {
    const userHooks = new MemoryUserHooks({ beforePromote: [answer('OK')] });
    const world = { ...memoryWorld(), userHooks };
    const result = await runInMemory(world, request({ hooks: { beforePromote: hookNamed('qa') } }));
    expect(result.status).toBe('FAILED');
    expect(world.router.history.at(-1)).toEqual({ blue: 100, green: 0 });
    expect(world.router.history).not.toContainEqual({ blue: 0, green: 100 });
    expect(world.store.records.get('d-1')?.error?.cause).toMatch(
      /^user hook "qa" \(beforePromote\) failed: unusable answer/,
    );
  });

  it('waits on afterLaunch through the launch poll loop, then goes on when the hook passes', async () => {
    const userHooks = new MemoryUserHooks({
      afterLaunch: [
        answer({ result: 'wait', retryAfterSeconds: 1 }),
        answer({ result: 'wait' }),
        answer({ result: 'pass' }),
      ],
    });
    const world = { ...memoryWorld(), userHooks };
    const result = await runInMemory(world, request({ hooks: { afterLaunch: hookNamed('warmup') } }));
    expect(result.status).toBe('SUCCEEDED');
    expect(userHooks.calls.map((c) => c.context.attempt)).toEqual([1, 2, 3]);
    // The state machine's own loop waited: no Task blocked on the hook.
    expect(statesEntered(result).filter((s) => s === 'CheckNewColor').length).toBeGreaterThanOrEqual(3);
  });

  it('rolls back a hook that keeps answering wait past its deadline', async () => {
    const userHooks = new MemoryUserHooks({
      afterLaunch: [answer({ result: 'wait', retryAfterSeconds: 5 })],
    });
    const world = { ...memoryWorld(), userHooks };
    const result = await runInMemory(
      world,
      request({ hooks: { afterLaunch: { ...hookNamed('never'), deadlineSeconds: 20 } } }),
    );
    expect(result.status).toBe('FAILED');
    expect(world.store.records.get('d-1')?.error?.cause).toMatch(
      /^user hook "never" \(afterLaunch\) still waiting after its deadline of 20 s/,
    );
    expect(world.router.history).not.toContainEqual({ blue: 95, green: 5 });
  });

  it('waits on beforeLaunch inside the Task (no loop there), then launches', async () => {
    const userHooks = new MemoryUserHooks({
      beforeLaunch: [answer({ result: 'wait', retryAfterSeconds: 2 }), answer({ result: 'pass' })],
    });
    const world = { ...memoryWorld(), userHooks };
    const result = await runInMemory(world, request({ hooks: { beforeLaunch: hookNamed('freeze') } }));
    expect(result.status).toBe('SUCCEEDED');
    expect(userHooks.calls).toHaveLength(2);
  });

  it('fails beforeLaunch when the hook asks to wait longer than a Task can', async () => {
    const userHooks = new MemoryUserHooks({
      beforeLaunch: [answer({ result: 'wait', retryAfterSeconds: 120 })],
    });
    const world = { ...memoryWorld(), userHooks };
    const result = await runInMemory(world, request({ hooks: { beforeLaunch: hookNamed('freeze') } }));
    expect(result.status).toBe('FAILED');
    expect(world.store.records.get('d-1')?.error?.cause).toMatch(/longer than this stage can wait/);
    // Nothing was launched.
    expect(world.fleet.services.get('local/web-green')?.desiredCount).toBe(0);
  });

  it('gates the test-traffic phase with afterTestTraffic (wait, then pass)', async () => {
    const userHooks = new MemoryUserHooks({
      afterTestTraffic: [answer({ result: 'wait', retryAfterSeconds: 1 }), answer({ result: 'pass' })],
    });
    const world = { ...memoryWorld(), userHooks };
    const result = await runInMemory(
      world,
      request({ ...memoryTestTraffic(), hooks: { afterTestTraffic: hookNamed('manual-qa') } }),
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(userHooks.stagesCalled()).toEqual(['afterTestTraffic', 'afterTestTraffic']);
  });

  it('rolls back when afterTestTraffic fails, before any production traffic', async () => {
    const userHooks = new MemoryUserHooks({
      afterTestTraffic: [answer({ result: 'fail', reason: 'QA said no' })],
    });
    const world = { ...memoryWorld(), userHooks };
    const result = await runInMemory(
      world,
      request({ ...memoryTestTraffic(), hooks: { afterTestTraffic: hookNamed('manual-qa') } }),
    );
    expect(result.status).toBe('FAILED');
    expect(world.router.history.every((w) => w.green === 0)).toBe(true);
    expect(world.store.records.get('d-1')?.error?.cause).toBe(
      'user hook "manual-qa" (afterTestTraffic) failed: QA said no',
    );
  });

  it('only records onRollback and afterPromote: a failing answer there changes nothing', async () => {
    // A rollback (gate failure on step 1) told to a hook that answers fail.
    const failing = new MemoryUserHooks({
      beforeStep: [answer({ result: 'fail', reason: 'stop' })],
      onRollback: [answer({ result: 'fail', reason: 'whatever' })],
    });
    const world = { ...memoryWorld(), userHooks: failing };
    const result = await runInMemory(
      world,
      request({ hooks: { beforeStep: hookNamed('stop'), onRollback: hookNamed('pager') } }),
    );
    expect(result.status).toBe('FAILED');
    expect(world.store.records.get('d-1')?.status).toBe('ROLLED_BACK');
    const told = failing.calls.find((c) => c.context.stage === 'onRollback');
    expect(told?.context).toMatchObject({
      weights: { blue: 100, green: 0 },
      cause: 'UserHookFailedError: user hook "stop" (beforeStep) failed: stop',
    });
    expect(hookEvents(world).map((e) => e.data?.['stage'])).toEqual(['beforeStep', 'onRollback']);

    const promoted = {
      ...memoryWorld(),
      userHooks: new MemoryUserHooks({ afterPromote: [{ ok: false, reason: 'down' }] }),
    };
    const ok = await runInMemory(promoted, request({ hooks: { afterPromote: hookNamed('changelog') } }));
    expect(ok.status).toBe('SUCCEEDED');
    expect(hookEvents(promoted)[0]).toMatchObject({ data: { stage: 'afterPromote', result: 'fail' } });
  });

  it('fails a stage whose spec names a hook when no hook caller is configured', async () => {
    const world = memoryWorld();
    const result = await runInMemory(world, request({ hooks: { beforePromote: hookNamed('qa') } }));
    expect(result.status).toBe('FAILED');
    expect(world.store.records.get('d-1')?.error?.cause).toBe(
      'user hook "qa" (beforePromote) failed: no hook caller is configured',
    );
  });

  describe('with the webhook adapter against a local server', () => {
    let server: Server;
    let base: string;
    beforeAll(async () => {
      server = createServer((req, res) => {
        if (req.url === '/slow') return; // never answers
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"result":"pass"}');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('rolls back a webhook that times out: its stage fails, it never hangs', async () => {
      const world = { ...memoryWorld(), userHooks: new WebhookUserHooks({ allowLoopbackHttp: true }) };
      const started = Date.now();
      const result = await runInMemory(
        world,
        request({ hooks: { beforePromote: { name: 'slow', url: `${base}/slow`, timeoutSeconds: 1 } } }),
      );
      expect(result.status).toBe('FAILED');
      expect(world.store.records.get('d-1')?.error?.cause).toBe(
        `user hook "slow" (beforePromote) failed: ${base}: timeout after 1000 ms`,
      );
      expect(Date.now() - started).toBeLessThan(10_000);
    });

    it('promotes with a passing webhook', async () => {
      const world = { ...memoryWorld(), userHooks: new WebhookUserHooks({ allowLoopbackHttp: true }) };
      const result = await runInMemory(
        world,
        request({ hooks: { beforePromote: { name: 'ok', url: `${base}/ok` } } }),
      );
      expect(result.status).toBe('SUCCEEDED');
    });
  });
});
