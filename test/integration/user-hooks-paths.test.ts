import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { controlDeployment } from '../../functions/deploy/control';
import { USER_HOOK_CALLED } from '../../functions/deploy/user-hooks';
import type { UserHooks } from '../../shared/ports/user-hooks';
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

  describe.each([
    { stage: 'beforeLaunch', task: 'LaunchNewColor', wait: 'BeforeLaunchHookWait', turn: 'launch' },
    { stage: 'beforeStep', task: 'NextStep', wait: 'BeforeStepHookWait', turn: 'step' },
    { stage: 'beforePromote', task: 'Promote', wait: 'BeforePromoteHookWait', turn: 'weights' },
  ] as const)('a wait at $stage turns its own wait loop ($wait → $task)', ({ stage, task, wait, turn }) => {
    /** The hook progress each entry into the Wait state carried (its SecondsPath and the attempt). */
    function waitsEntered(result: Awaited<ReturnType<typeof runInMemory>>) {
      return result.events
        .filter((e) => e.type === 'StateEntered' && e.state === wait)
        .map(
          (e) =>
            (e.input as Record<string, { userHook: { waitSeconds: number; attempt: number } }>)[turn]!
              .userHook,
        );
    }

    it('goes on once the hook passes, having waited its delay in the Wait state, not in a function', async () => {
      // Prepare
      const userHooks = new MemoryUserHooks({
        [stage]: [
          answer({ result: 'wait', retryAfterSeconds: 7, reason: 'change window opens soon' }),
          answer({ result: 'wait', retryAfterSeconds: 7 }),
          answer({ result: 'pass' }),
        ],
      });
      const world = { ...memoryWorld(), userHooks };
      const sleep = jest.spyOn(world.clock, 'sleep');
      // Act
      const result = await runInMemory(world, request({ hooks: { [stage]: hookNamed('window') } }));
      // Assess
      expect(result.status).toBe('SUCCEEDED');
      const calls = userHooks.calls.filter((c) => c.context.stage === stage);
      // beforeStep gates every step: the second step's hook starts afresh (attempt 1).
      expect(calls.map((c) => c.context.attempt)).toEqual(stage === 'beforeStep' ? [1, 2, 3, 1] : [1, 2, 3]);
      const waits = waitsEntered(result);
      // The first Wait after each `wait` answer is the hook's delay; a turn that came early (the
      // memory world cuts Waits to 0) waits only the rest, and does not call the hook.
      expect(
        waits.filter((w, i) => i === 0 || w.attempt !== waits[i - 1]!.attempt).map((w) => w.waitSeconds),
      ).toEqual([7, 7]);
      expect(waits.every((w) => w.waitSeconds >= 1 && w.waitSeconds <= 7)).toBe(true);
      expect(statesEntered(result).filter((s) => s === task).length).toBe(
        waits.length + (stage === 'beforeStep' ? 3 : 1),
      );
      expect(sleep).not.toHaveBeenCalled();
      const moves = hookEvents(world).map((e) => e.data?.['move']);
      expect(moves.slice(0, 3)).toEqual(['wait', 'wait', 'pass']);
      expect(hookEvents(world)[0]!.message).toBe(
        `user hook "window" (${stage}) waiting 7 s: change window opens soon`,
      );
      // Nothing moved while the hook waited: one launch, and each weight set once.
      expect((world.store.events.get('d-1') ?? []).filter((e) => e.type === 'LAUNCHED')).toHaveLength(1);
      expect(world.router.history).toEqual([
        { blue: 95, green: 5 },
        { blue: 75, green: 25 },
        { blue: 0, green: 100 },
      ]);
    });

    it('fails the stage and rolls back when the hook keeps answering wait past its deadline', async () => {
      const userHooks = new MemoryUserHooks({ [stage]: [answer({ result: 'wait', retryAfterSeconds: 5 })] });
      const world = { ...memoryWorld(), userHooks };
      const result = await runInMemory(
        world,
        request({ hooks: { [stage]: { ...hookNamed('never'), deadlineSeconds: 12 } } }),
      );
      expect(result.status).toBe('FAILED');
      const record = world.store.records.get('d-1');
      expect(record?.status).toBe('ROLLED_BACK');
      expect(record?.error?.error).toBe('UserHookFailedError');
      expect(record?.error?.cause).toBe(
        `user hook "never" (${stage}) still waiting after its deadline of 12 s`,
      );
      // Called at 0, then every 5 s or a little more (the fast clock moves on every read) until the
      // next call would fall past 12 s: two or three calls, never more.
      const attempts = userHooks.calls.map((c) => c.context.attempt);
      expect(attempts.slice(0, 2)).toEqual([1, 2]);
      expect(attempts.length).toBeLessThanOrEqual(3);
      expect(hookEvents(world).at(-1)?.data).toMatchObject({ result: 'wait', move: 'fail' });
      expect(world.router.history.at(-1)).toEqual({ blue: 100, green: 0 });
      if (stage === 'beforeLaunch') {
        // Nothing was launched, no traffic ever moved.
        expect(world.fleet.services.get('local/web-green')?.desiredCount).toBe(0);
        expect(world.router.history.every((w) => w.green === 0)).toBe(true);
      }
      if (stage === 'beforeStep') expect(world.router.history).not.toContainEqual({ blue: 95, green: 5 });
      expect(world.router.history).not.toContainEqual({ blue: 0, green: 100 });
    });

    it('rolls back at the next turn when a person aborts while the hook waits', async () => {
      // A hook that keeps waiting, and a person who aborts after its first answer.
      const world = memoryWorld();
      const waiting = new MemoryUserHooks({ [stage]: [answer({ result: 'wait', retryAfterSeconds: 60 })] });
      const userHooks: UserHooks = {
        call: async (hook, context) => {
          const reply = await waiting.call(hook, context);
          await controlDeployment(world, { deploymentId: 'd-1', action: 'abort', by: 'alice' });
          return reply;
        },
      };
      const result = await runInMemory(
        { ...world, userHooks },
        request({ hooks: { [stage]: hookNamed('slow') } }),
      );
      expect(result.status).toBe('FAILED');
      const record = world.store.records.get('d-1');
      expect(record?.status).toBe('ROLLED_BACK');
      expect(record?.error).toMatchObject({
        error: 'AbortedWhileHookWaitedError',
        cause: `aborted by alice while user hook "slow" (${stage}) waited`,
      });
      // One call, one turn of the loop: the 60-s wait was not run out.
      expect(waiting.calls).toHaveLength(1);
      expect(statesEntered(result).filter((s) => s === wait)).toHaveLength(1);
    });

    it('fails the stage on a garbage answer or a transport failure after a wait', async () => {
      const userHooks = new MemoryUserHooks({
        [stage]: [answer({ result: 'wait', retryAfterSeconds: 5 }), answer({ result: 'maybe' })],
      });
      const world = { ...memoryWorld(), userHooks };
      const result = await runInMemory(world, request({ hooks: { [stage]: hookNamed('flaky') } }));
      expect(result.status).toBe('FAILED');
      expect(world.store.records.get('d-1')?.error?.cause).toMatch(
        new RegExp(`^user hook "flaky" \\(${stage}\\) failed: unusable answer \\(result:`),
      );

      const down = {
        ...memoryWorld(),
        userHooks: new MemoryUserHooks({
          [stage]: [
            answer({ result: 'wait', retryAfterSeconds: 5 }),
            { ok: false, reason: 'timeout after 10000 ms' },
          ],
        }),
      };
      const timedOut = await runInMemory(down, request({ hooks: { [stage]: hookNamed('flaky') } }));
      expect(timedOut.status).toBe('FAILED');
      expect(down.store.records.get('d-1')?.error?.cause).toBe(
        `user hook "flaky" (${stage}) failed: timeout after 10000 ms`,
      );
      expect(down.router.history).not.toContainEqual({ blue: 0, green: 100 });
    });
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
