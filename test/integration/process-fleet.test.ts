import { InvalidInputError } from '../../shared/domain/errors';
import { classifyTaskStops } from '../../shared/domain/gate';
import { AlbProxy } from '../../shared/local/alb/proxy';
import { ImageCatalog } from '../../shared/local/ecs/image-catalog';
import { ProcessFleet } from '../../shared/local/ecs/process-fleet';
import { LocalTaskDefinitions } from '../../shared/local/ecs/task-definitions';
import { request, runLoad, waitFor } from '../fixtures/local-infra';

const slot = { cluster: 'local', service: 'web-blue' };

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('ProcessFleet', () => {
  let proxy: AlbProxy;
  let fleet: ProcessFleet;
  let taskDefinitions: LocalTaskDefinitions;
  let v1: string;

  beforeEach(async () => {
    proxy = await AlbProxy.start({
      healthCheck: { intervalMs: 100, healthyThreshold: 2, unhealthyThreshold: 2 },
    });
    taskDefinitions = new LocalTaskDefinitions();
    v1 = taskDefinitions.register({
      family: 'web',
      containerDefinitions: [
        { name: 'log-router', image: 'greenlight/demo-app:v1', essential: false },
        {
          name: 'app',
          image: 'greenlight/demo-app:v1',
          portMappings: [{ containerPort: 8080 }],
          environment: [{ name: 'LATENCY_MS', value: '1' }],
          cpu: 256,
        },
      ],
    });
    fleet = new ProcessFleet({
      proxy,
      taskDefinitions,
      catalog: new ImageCatalog(),
      reconcileIntervalMs: 50,
    });
    fleet.createService({ ...slot, targetGroup: 'tg-blue', desiredCount: 0 });
    proxy.setWeights({ 'tg-blue': 100 });
  });

  afterEach(async () => {
    await fleet.stopAll();
    await proxy.stop();
  });

  const steady = (desired: number) => async () => {
    const status = await fleet.describe(slot);
    return status.steady && status.desiredCount === desired;
  };

  it('brings a service to steady on a deploy and serves the revision through the proxy', async () => {
    // Prepare
    const before = await fleet.describe(slot);

    // Act
    await fleet.deploy(slot, v1, 2);
    const rightAfter = await fleet.describe(slot);
    await waitFor('2 steady tasks', steady(2));
    const reply = await request(proxy.url + '/');

    // Assess
    expect(before).toEqual({
      desiredCount: 0,
      runningCount: 0,
      pendingCount: 0,
      taskDefinition: null,
      steady: true,
    });
    expect(rightAfter).toMatchObject({
      desiredCount: 2,
      runningCount: 0,
      pendingCount: 2,
      taskDefinition: v1,
      steady: false,
    });
    expect(await fleet.describe(slot)).toEqual({
      desiredCount: 2,
      runningCount: 2,
      pendingCount: 0,
      taskDefinition: v1,
      steady: true,
    });
    expect(proxy.targetHealth('tg-blue')).toEqual({ healthy: 2, unhealthy: 0, transitioning: 0 });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ version: 'v1' });
  });

  it('rolls to a new revision without failing a request and stops the old processes', async () => {
    // Prepare
    await fleet.deploy(slot, v1, 2);
    await waitFor('v1 steady', steady(2));
    const oldPids = fleet.tasks(slot).map((t) => t.pid as number);
    const v2 = await fleet.registerRevision({ from: v1, container: 'app', image: 'greenlight/demo-app:v2' });
    let rolledOut = false;

    // Act
    const load = runLoad(proxy.url + '/', 5, () => rolledOut);
    await fleet.deploy(slot, v2, 2);
    await waitFor('v2 steady', async () => (await fleet.describe(slot)).steady);
    rolledOut = true;
    const result = await load;
    const reply = await request(proxy.url + '/');

    // Assess
    expect(result.failures).toEqual([]);
    expect(result.requests).toBeGreaterThan(20);
    expect(JSON.parse(reply.body)).toEqual({ version: 'v2' });
    expect(fleet.tasks(slot).map((t) => t.taskDefinition)).toEqual([v2, v2]);
    expect(oldPids.filter(isAlive)).toEqual([]);
    expect(taskDefinitions.get(v2).containerDefinitions.map((c) => c.image)).toEqual([
      'greenlight/demo-app:v1',
      'greenlight/demo-app:v2',
    ]);
  });

  it('keeps the old tasks serving while a new revision never becomes healthy', async () => {
    // Prepare
    await fleet.deploy(slot, v1, 1);
    await waitFor('v1 steady', steady(1));
    const [oldTask] = fleet.tasks(slot);
    const v5 = await fleet.registerRevision({
      from: v1,
      container: 'app',
      image: 'greenlight/demo-app:v5-unhealthy',
    });

    // Act
    await fleet.deploy(slot, v5, 1);
    // ECS replaces a task failing its target health checks: wait for a second v5 task.
    const v5Tasks = new Set<string>();
    await waitFor('a v5 task replaced after failing its health checks', () => {
      fleet.tasks(slot).forEach((t) => t.taskDefinition === v5 && v5Tasks.add(t.id));
      return v5Tasks.size >= 2;
    });
    const status = await fleet.describe(slot);
    const reply = await request(proxy.url + '/');

    // Assess
    expect(status.steady).toBe(false);
    expect(fleet.tasks(slot).find((t) => t.id === oldTask?.id)).toMatchObject({
      status: 'RUNNING',
      health: 'healthy',
    });
    expect(JSON.parse(reply.body)).toEqual({ version: 'v1' });
  });

  it('rejects an image missing from the catalog before registering anything', async () => {
    // Prepare
    const registered = taskDefinitions.list();

    // Act
    const attempt = fleet.registerRevision({ from: v1, container: 'app', image: 'greenlight/demo-app:v9' });

    // Assess
    await expect(attempt).rejects.toThrow(InvalidInputError);
    await expect(attempt).rejects.toThrow(
      'image "greenlight/demo-app:v9" is not in the local image catalog (known: greenlight/demo-app:v1, ',
    );
    expect(taskDefinitions.list()).toEqual(registered);
  });

  it('rejects an unknown container naming the known ones, registering nothing', async () => {
    // Prepare
    const registered = taskDefinitions.list();

    // Act
    const attempt = fleet.registerRevision({ from: v1, container: 'api', image: 'greenlight/demo-app:v2' });

    // Assess
    await expect(attempt).rejects.toThrow(InvalidInputError);
    await expect(attempt).rejects.toThrow(
      'container "api" is not in task definition "web:1" (known: "log-router", "app")',
    );
    expect(taskDefinitions.list()).toEqual(registered);
  });

  it('replaces a task whose process was killed', async () => {
    // Prepare
    await fleet.deploy(slot, v1, 2);
    await waitFor('2 steady tasks', steady(2));
    const [victim, survivor] = fleet.tasks(slot);

    // Act
    process.kill(victim?.pid as number, 'SIGKILL');
    await waitFor('the killed task gone', () => !fleet.tasks(slot).some((t) => t.id === victim?.id));
    const rightAfterExit = proxy.targets('tg-blue').find((t) => t.id === victim?.id);
    await waitFor('2 steady tasks again', steady(2));

    // Assess
    const ids = fleet.tasks(slot).map((t) => t.id);
    expect(rightAfterExit?.state ?? 'removed').not.toBe('healthy');
    expect(ids).toHaveLength(2);
    expect(ids).toContain(survivor?.id);
    expect(ids).not.toContain(victim?.id);
    expect((await request(proxy.url + '/')).status).toBe(200);
  });

  it('scales down by draining then stopping the task processes', async () => {
    // Prepare
    await fleet.deploy(slot, v1, 2);
    await waitFor('2 steady tasks', steady(2));
    const pids = fleet.tasks(slot).map((t) => t.pid as number);

    // Act
    await fleet.scale(slot, 0);
    await waitFor('0 tasks', steady(0));

    // Assess
    expect(await fleet.describe(slot)).toMatchObject({
      desiredCount: 0,
      runningCount: 0,
      pendingCount: 0,
      steady: true,
    });
    expect(proxy.targetHealth('tg-blue')).toEqual({ healthy: 0, unhealthy: 0, transitioning: 0 });
    expect(pids.filter(isAlive)).toEqual([]);
  });

  describe('stopped tasks', () => {
    const judged = (stops: Awaited<ReturnType<ProcessFleet['stoppedTasks']>>) => {
      const { failures, expected } = classifyTaskStops(stops, slot);
      return {
        failures: failures.map((f) => f.classification.category),
        expected: expected.map((e) => e.classification.category),
      };
    };

    it('records a killed task with its exit code, and its own scale-in stops as expected ones', async () => {
      // Prepare
      await fleet.deploy(slot, v1, 2);
      await waitFor('2 steady tasks', steady(2));
      const since = Date.now();
      const [victim] = fleet.tasks(slot);

      // Act
      process.kill(victim?.pid as number, 'SIGKILL');
      await waitFor('the killed task gone', () => !fleet.tasks(slot).some((t) => t.id === victim?.id));
      await waitFor('2 steady tasks again', steady(2));
      await fleet.scale(slot, 0);
      await waitFor('0 tasks', steady(0));
      const stops = await fleet.stoppedTasks(slot, since);

      // Assess
      expect(stops).toHaveLength(3);
      expect(stops[0]).toEqual({
        id: victim?.id,
        stoppedAt: expect.any(Number),
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
        containers: [{ name: 'app', exitCode: 137 }],
      });
      expect(stops.slice(1)).toEqual([
        expect.objectContaining({
          stopCode: 'ServiceSchedulerInitiated',
          stoppedReason: `Scaling activity initiated by (deployment ${v1})`,
        }),
        expect.objectContaining({ stopCode: 'ServiceSchedulerInitiated' }),
      ]);
      expect(stops.every((s) => s.stoppedAt >= since)).toBe(true);
      expect(judged(stops)).toEqual({
        failures: ['essential-container-exited'],
        expected: ['scaling-activity', 'scaling-activity'],
      });
      expect(await fleet.stoppedTasks(slot, Date.now() + 1)).toEqual([]);
    });

    it('records the crash of the crashing image, whose requests and health checks succeed until it dies', async () => {
      // Prepare
      const v6 = await fleet.registerRevision({
        from: v1,
        container: 'app',
        image: 'greenlight/demo-app:v6-crashing',
      });
      await fleet.deploy(slot, v6, 1);
      await waitFor('v6 steady', steady(1));
      const [task] = fleet.tasks(slot);
      const since = Date.now();

      // Act
      const statuses: number[] = [];
      for (let i = 0; i < 30; i += 1) statuses.push((await request(proxy.url + '/')).status);
      await waitFor('the crash recorded', async () => (await fleet.stoppedTasks(slot, since)).length > 0);
      const stops = await fleet.stoppedTasks(slot, since);

      // Assess
      expect(statuses).toEqual(Array(30).fill(200));
      expect(stops).toEqual([
        {
          id: task?.id,
          stoppedAt: expect.any(Number),
          stopCode: 'EssentialContainerExited',
          stoppedReason: 'Essential container in task exited',
          containers: [{ name: 'app', exitCode: 1 }],
        },
      ]);
      expect(judged(stops)).toEqual({ failures: ['essential-container-exited'], expected: [] });
    });

    it('records a task replaced after failing its health checks as an ELB health check stop', async () => {
      // Prepare
      await fleet.deploy(slot, v1, 1);
      await waitFor('v1 steady', steady(1));
      const v5 = await fleet.registerRevision({
        from: v1,
        container: 'app',
        image: 'greenlight/demo-app:v5-unhealthy',
      });
      const since = Date.now();

      // Act
      await fleet.deploy(slot, v5, 1);
      await waitFor('a v5 task stopped', async () => (await fleet.stoppedTasks(slot, since)).length > 0);
      const [first] = await fleet.stoppedTasks(slot, since);

      // Assess
      expect(first).toMatchObject({
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: 'Task failed ELB health checks in (target-group tg-blue)',
      });
      expect(judged([first!]).failures).toEqual(['elb-health-check']);
    });
  });

  it('rejects unknown services, unregistered revisions and bad counts with InvalidInputError', async () => {
    // Act
    const attempts = await Promise.allSettled([
      fleet.describe({ cluster: 'local', service: 'nope' }),
      fleet.deploy(slot, 'web:42', 1),
      fleet.scale(slot, -1),
      fleet.scale(slot, 1),
    ]);

    // Assess
    const reasons = attempts.map((a) => (a.status === 'rejected' ? (a.reason as Error) : null));
    reasons.forEach((reason) => expect(reason).toBeInstanceOf(InvalidInputError));
    expect(reasons.map((r) => r?.message)).toEqual([
      'service "local/nope" does not exist (known: local/web-blue)',
      'task definition "web:42" is not registered (known: web:1)',
      'desiredCount: expected an integer from 0 to 20 (local limit), got -1',
      'service "local/web-blue" has no task definition yet: deploy one first',
    ]);
    expect(await fleet.describe(slot)).toMatchObject({ desiredCount: 0, taskDefinition: null });
  });

  it('terminates every task process on stopAll, which can be called twice', async () => {
    // Prepare
    await fleet.deploy(slot, v1, 2);
    await waitFor('2 steady tasks', steady(2));
    const pids = fleet.tasks(slot).map((t) => t.pid as number);

    // Act
    await fleet.stopAll();
    await fleet.stopAll();

    // Assess
    expect(pids).toHaveLength(2);
    expect(pids.filter(isAlive)).toEqual([]);
  });
});
