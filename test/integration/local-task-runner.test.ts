/** The local task runner: real processes per container, ECS's stop rules, simulated RunTask failures. */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidInputError } from '../../shared/domain/errors';
import { ImageCatalog } from '../../shared/local/ecs/image-catalog';
import {
  LocalTaskDefinitionReader,
  LocalTaskRunner,
  SIMULATED_DETAIL,
} from '../../shared/local/ecs/local-task-runner';
import { LocalTaskDefinitions } from '../../shared/local/ecs/task-definitions';
import type { TaskRequest } from '../../shared/ports/task-runner';

const SCALE = 10;

function world() {
  const taskDefinitions = new LocalTaskDefinitions();
  taskDefinitions.register({
    family: 'gl-job',
    containerDefinitions: [{ name: 'job', image: 'greenlight/demo-job:v1', command: ['job'] }],
  });
  taskDefinitions.register({
    family: 'gl-job-logs',
    containerDefinitions: [
      { name: 'job', image: 'greenlight/demo-job:v1', essential: true, command: ['job'] },
      {
        name: 'log-router',
        image: 'greenlight/log-router:v1',
        essential: false,
        command: ['log-sidecar'],
        stopTimeout: 5,
      },
    ],
  });
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'greenlight-tasks-'));
  const runner = new LocalTaskRunner({
    taskDefinitions,
    catalog: new ImageCatalog(),
    timeScale: SCALE,
    logDir,
  });
  return { taskDefinitions, runner, logDir };
}

let tokens = 0;
const request = (
  taskDefinition: string,
  environment: Record<string, string>,
  extra: Partial<TaskRequest> = {},
): TaskRequest => ({
  cluster: 'local',
  taskDefinition,
  overrides: {
    containerOverrides: [
      { name: 'job', environment: Object.entries(environment).map(([name, value]) => ({ name, value })) },
    ],
  },
  startedBy: 'greenlight/schedule/demo',
  clientToken: `token-${++tokens}`,
  tags: [{ key: 'greenlight:schedule', value: 'demo' }],
  ...extra,
});

async function started(runner: LocalTaskRunner, req: TaskRequest): Promise<string> {
  const result = await runner.start(req);
  if (!result.started) throw new Error(`not started: ${JSON.stringify(result.failures)}`);
  return result.taskArn;
}

/**
 * Waits until the task's job container has printed its "started" line, which it prints only after
 * installing its SIGTERM handler: a signal sent earlier would meet Node's default action (143),
 * whatever the handler says, and on a loaded machine a process can take over a second to start.
 */
async function jobListening(logDir: string, arn: string, timeoutMs = 20_000): Promise<void> {
  const taskId = arn.split('/').pop()!;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const log = readdirSync(logDir).find((f) => f.includes(taskId) && f.endsWith('.job.log'));
    if (log && readFileSync(path.join(logDir, log), 'utf8').includes('job: started:')) return;
    if (Date.now() > deadline) throw new Error(`job of ${arn} printed no "started" line in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('LocalTaskRunner', () => {
  let current: ReturnType<typeof world>;
  beforeEach(() => {
    current = world();
  });
  afterEach(async () => {
    await current.runner.stopAll();
  });

  it('runs the job as a process and reports its real exit code once the essential container exits', async () => {
    // Prepare
    const { runner, logDir } = current;
    // Act
    const arn = await started(
      runner,
      request('gl-job', { JOB_SECONDS: '5', JOB_EXIT_CODE: '3', JOB_LINES: '2' }),
    );
    const running = await runner.describe('local', arn);
    await runner.exited(arn);
    const stopped = await runner.describe('local', arn);
    // Assess
    expect(arn).toMatch(/^arn:aws:ecs:local:000000000000:task\/local\/[0-9a-f]{32}$/);
    expect(running).toMatchObject({ lastStatus: 'RUNNING', containers: [{ name: 'job' }] });
    expect(running!.containers[0]!.exitCode).toBeUndefined();
    expect(stopped).toMatchObject({
      lastStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      containers: [{ name: 'job', exitCode: 3 }],
    });
    expect(stopped!.stoppedAt! - stopped!.startedAt!).toBeGreaterThanOrEqual(500);
    const log = readdirSync(logDir).find((f) => f.endsWith('.job.log'))!;
    expect(readFileSync(path.join(logDir, log), 'utf8')).toContain('job: done: exit 3');
  });

  it('stops a non-essential sidecar that ignores SIGTERM with SIGKILL (137) after its stopTimeout when the job exits 0', async () => {
    const { runner } = current;
    // 40 s of work (4 s of wall time at ×10): the sidecar has long installed its SIGTERM handler
    // when the job exits (a process still starting would end with 143, as in a real container).
    const arn = await started(runner, request('gl-job-logs:1', { JOB_SECONDS: '40', JOB_LINES: '1' }));
    const began = Date.now();
    await runner.exited(arn);
    const task = await runner.describe('local', arn);
    expect(task).toMatchObject({
      lastStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      containers: [
        { name: 'job', exitCode: 0 },
        { name: 'log-router', exitCode: 137 },
      ],
    });
    // 40 s of work and a 5 s stopTimeout, at ×10: at least 4 s of wall time once the task runs.
    expect(Date.now() - began).toBeGreaterThanOrEqual(4000);
  });

  it('StopTask sends SIGTERM (the job exits 143) and records UserInitiated with the reason', async () => {
    const { runner, logDir } = current;
    const arn = await started(runner, request('gl-job', { JOB_SECONDS: '600' }));
    await jobListening(logDir, arn);
    await runner.stop('local', arn, 'Greenlight: run-time limit of 60 s reached');
    await runner.exited(arn);
    expect(await runner.describe('local', arn)).toMatchObject({
      lastStatus: 'STOPPED',
      stopCode: 'UserInitiated',
      stoppedReason: 'Greenlight: run-time limit of 60 s reached',
      containers: [{ name: 'job', exitCode: 143 }],
    });
  });

  it('StopTask escalates to SIGKILL (137) for a container that ignores SIGTERM', async () => {
    const { runner, logDir } = current;
    const arn = await started(runner, request('gl-job', { JOB_SECONDS: '600', JOB_ON_SIGTERM: 'ignore' }));
    await jobListening(logDir, arn);
    await runner.stop('local', arn, 'stop');
    const stopping = await runner.describe('local', arn);
    await runner.exited(arn);
    expect(stopping!.lastStatus).toBe('DEPROVISIONING');
    expect((await runner.describe('local', arn))!.containers).toEqual([{ name: 'job', exitCode: 137 }]);
  });

  it('answers SIMULATED RunTask failures per attempt, then places the task', async () => {
    const { runner } = current;
    runner.simulateStartFailures('demo', ['RESOURCE:MEMORY', null]);
    const first = await runner.start(request('gl-job', { JOB_SECONDS: '1' }));
    const second = await runner.start(request('gl-job', { JOB_SECONDS: '1' }));
    expect(first).toEqual({
      started: false,
      failures: [
        {
          arn: 'arn:aws:ecs:local:000000000000:container-instance/local/local',
          reason: 'RESOURCE:MEMORY',
          detail: SIMULATED_DETAIL,
        },
      ],
    });
    expect(second).toMatchObject({ started: true });
    expect(runner.list()).toHaveLength(1);
  });

  it('starts no second task for the same clientToken (RunTask idempotency)', async () => {
    const { runner } = current;
    const req = request('gl-job', { JOB_SECONDS: '1' });
    const a = await runner.start(req);
    const b = await runner.start(req);
    expect(b).toEqual(a);
    expect(runner.list()).toHaveLength(1);
  });

  it('refuses an unknown task definition naming the field, and does not know unknown tasks', async () => {
    const { runner } = current;
    await expect(runner.start(request('nope', {}))).rejects.toThrow(InvalidInputError);
    await expect(runner.start(request('nope', {}))).rejects.toThrow(/^taskDefinition: /);
    expect(await runner.describe('local', 'arn:aws:ecs:local:000000000000:task/local/x')).toBeNull();
    await expect(runner.stop('local', 'arn:aws:ecs:local:000000000000:task/local/x', 'r')).rejects.toThrow(
      /^task: /,
    );
  });

  it('describes task definitions like DescribeTaskDefinition: latest revision, essential by default', async () => {
    const { taskDefinitions } = current;
    taskDefinitions.register({
      family: 'gl-job',
      containerDefinitions: [{ name: 'job', image: 'greenlight/demo-job:v1' }],
    });
    const reader = new LocalTaskDefinitionReader(taskDefinitions);
    expect(await reader.describe('gl-job')).toEqual({
      taskDefinitionArn: 'arn:aws:ecs:local:000000000000:task-definition/gl-job:2',
      family: 'gl-job',
      revision: 2,
      containers: [{ name: 'job', essential: true }],
    });
    expect(
      (await reader.describe('arn:aws:ecs:local:000000000000:task-definition/gl-job-logs:1'))!.containers,
    ).toEqual([
      { name: 'job', essential: true },
      { name: 'log-router', essential: false },
    ]);
    expect(await reader.describe('gl-job:9')).toBeNull();
  });
});
