import {
  classifyStop,
  exitCodeMeaning,
  stopCause,
  type Classification,
} from '../../../shared/domain/alerts/classify';
import { parseTaskEvent } from '../../../shared/domain/alerts/task-event';
import { loadEvent, type EcsTaskEvent, type EventFixture } from '../../fixtures/ecs-events';

function classify(event: unknown): Classification {
  const parsed = parseTaskEvent(event);
  if (!parsed.ok) throw new Error('fixture does not parse');
  return classifyStop(parsed.stop);
}

function withDetail(name: EventFixture, detail: Partial<EcsTaskEvent['detail']>): EcsTaskEvent {
  const event = loadEvent(name);
  Object.assign(event.detail, detail);
  return event;
}

describe('classifyStop', () => {
  it.each<[EventFixture, Partial<Classification>]>([
    [
      'out-of-memory',
      { category: 'out-of-memory', severity: 'high', expected: false, container: 'app', exitCode: 137 },
    ],
    ['out-of-memory-exit-0', { category: 'out-of-memory', container: 'app', exitCode: 0 }],
    ['image-pull-failure', { category: 'image-pull-failure', severity: 'high', container: 'app' }],
    ['resource-initialization', { category: 'resource-initialization', severity: 'high' }],
    [
      'elb-health-check',
      {
        category: 'elb-health-check',
        severity: 'high',
        targetGroup:
          'arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web-blue/73e2d6bc24d8a067',
      },
    ],
    ['container-health-check', { category: 'container-health-check', container: 'app' }],
    [
      'essential-container-exited',
      { category: 'essential-container-exited', severity: 'high', container: 'app', exitCode: 1 },
    ],
    ['failed-to-start-capacity', { category: 'failed-to-start', severity: 'medium' }],
    ['spot-interruption', { category: 'spot-interruption', severity: 'low', expected: false }],
    ['termination-notice', { category: 'termination-notice', severity: 'low' }],
    ['user-initiated', { category: 'user-initiated', severity: 'info', expected: true }],
    [
      'scaling-activity',
      { category: 'scaling-activity', expected: true, ecsDeployment: 'ecs-svc/4093178520945331621' },
    ],
    ['task-completed', { category: 'task-completed', expected: true, container: 'report', exitCode: 0 }],
    ['unknown-stop-code', { category: 'unknown', severity: 'low', expected: false }],
  ])('classifies the %s event', (name, expected) => {
    // Act
    const classification = classify(loadEvent(name));

    // Assess
    expect(classification).toMatchObject(expected);
  });

  it('explains each category in one line and names a next check', () => {
    // Prepare
    const names: EventFixture[] = [
      'out-of-memory',
      'image-pull-failure',
      'resource-initialization',
      'elb-health-check',
      'unknown-stop-code',
    ];

    // Act
    const classifications = names.map((name) => classify(loadEvent(name)));

    // Assess
    for (const c of classifications) {
      expect(c.explanation).not.toMatch(/\n/);
      expect(c.explanation.length).toBeGreaterThan(20);
      expect(c.nextCheck.length).toBeGreaterThan(10);
    }
  });

  it('quotes the ECS reason and the target group name in the explanations', () => {
    // Act
    const pull = classify(loadEvent('image-pull-failure'));
    const elb = classify(loadEvent('elb-health-check'));
    const unknown = classify(loadEvent('unknown-stop-code'));

    // Assess
    expect(pull.explanation).toContain('web:1.9.0: not found');
    expect(pull.nextCheck).toMatch(/tag or digest exists/);
    expect(elb.explanation).toContain('target group web-blue');
    expect(unknown.explanation).toContain('stop code CapacityRebalanceInitiated2027');
  });

  it('tells secrets failures from other resource initialisation failures', () => {
    // Prepare
    const efs = withDetail('resource-initialization', {
      stoppedReason:
        'ResourceInitializationError: failed to invoke EFS utils commands to set up EFS volumes: mount.nfs4: Connection timed out',
    });

    // Act
    const secrets = classify(loadEvent('resource-initialization'));
    const mount = classify(efs);

    // Assess
    expect(secrets.nextCheck).toMatch(/secretsmanager:GetSecretValue/);
    expect(mount.nextCheck).toMatch(/EFS/);
  });

  it('blames exit 137 on memory only with memory evidence', () => {
    // Prepare
    const killed = withDetail('essential-container-exited', {
      containers: [{ name: 'app', exitCode: 137 }],
    });
    const evidence = withDetail('essential-container-exited', {
      stoppedReason: 'Essential container in task exited: container memory limit reached',
      containers: [{ name: 'app', exitCode: 137 }],
    });

    // Act
    const withoutEvidence = classify(killed);
    const withEvidence = classify(evidence);

    // Assess
    expect(withoutEvidence).toMatchObject({ category: 'essential-container-exited', exitCode: 137 });
    expect(withoutEvidence.explanation).toMatch(/not reported as out of memory/);
    expect(withEvidence).toMatchObject({ category: 'out-of-memory', exitCode: 137 });
  });

  it('blames the container that failed, not the sidecar stopped with SIGTERM', () => {
    // Prepare
    const event = withDetail('essential-container-exited', {
      containers: [
        { name: 'log-router', exitCode: 143 },
        { name: 'app', exitCode: 3 },
      ],
    });

    // Act
    const classification = classify(event);

    // Assess
    expect(classification).toMatchObject({ container: 'app', exitCode: 3 });
    expect(classification.explanation).toContain('exited with code 3 (application-defined)');
  });

  it("treats a service container's exit 0 as a medium problem, a standalone task's as completion", () => {
    // Prepare
    const service = withDetail('essential-container-exited', {
      containers: [
        { name: 'app', exitCode: 0 },
        { name: 'log-router', exitCode: 143 },
      ],
    });

    // Act
    const serviceExit = classify(service);
    const batchExit = classify(loadEvent('task-completed'));

    // Assess
    expect(serviceExit).toMatchObject({
      category: 'essential-container-exited',
      severity: 'medium',
      exitCode: 0,
    });
    expect(batchExit).toMatchObject({ category: 'task-completed', severity: 'info', expected: true });
  });

  it('points capacity failures at capacity and runtime failures at the container setup', () => {
    // Prepare
    const runtime = withDetail('failed-to-start-capacity', {
      stoppedReason:
        'CannotStartContainerError: Error response from daemon: failed to create shim task: exec: "/app/serve": permission denied',
    });

    // Act
    const capacity = classify(loadEvent('failed-to-start-capacity'));
    const start = classify(runtime);

    // Assess
    expect(capacity.nextCheck).toMatch(/free IP addresses/);
    expect(start.nextCheck).toMatch(/command, entryPoint/);
  });

  it('treats host maintenance by the scheduler as a termination, not an unknown stop', () => {
    // Prepare
    const event = withDetail('user-initiated', {
      stopCode: 'ServiceSchedulerInitiated',
      stoppedReason: 'ECS is performing maintenance on the underlying infrastructure hosting the task',
    });

    // Act + Assess
    expect(classify(event).category).toBe('termination-notice');
  });

  it.each([
    ['Task stopped due to AZ rebalancing', 'az-rebalancing'],
    [
      'Service web-green: stopped to rebalance tasks, Availability Zone rebalancing in progress',
      'az-rebalancing',
    ],
    [
      'Service web-green: ECS is performing maintenance on the underlying infrastructure hosting the task',
      'termination-notice',
    ],
    ['Task stopped because container instance is in DRAINING state', 'termination-notice'],
  ])('classifies the scheduler stop %j as %s, an infrastructure stop', (stoppedReason, category) => {
    // Prepare
    const event = withDetail('user-initiated', { stopCode: 'ServiceSchedulerInitiated', stoppedReason });

    // Act
    const classification = classify(event);

    // Assess
    expect(classification.category).toBe(category);
    expect(stopCause(classification)).toBe('infrastructure');
  });

  it('classifies the InfrastructureHealth stop code as the host under the task, an infrastructure stop', () => {
    // Prepare
    const event = withDetail('user-initiated', {
      stopCode: 'InfrastructureHealth',
      stoppedReason: undefined,
    });

    // Act
    const classification = classify(event);

    // Assess
    expect(classification.category).toBe('termination-notice');
    expect(classification.explanation).toContain('infrastructure under it was unhealthy');
    expect(stopCause(classification)).toBe('infrastructure');
  });

  it('keeps scale-in and deployment replacements expected, not infrastructure', () => {
    // Act
    const scaling = classify(loadEvent('scaling-activity'));

    // Assess
    expect(stopCause(scaling)).toBe('expected');
  });

  it.each<[EventFixture, string]>([
    ['spot-interruption', 'infrastructure'],
    ['termination-notice', 'infrastructure'],
    ['out-of-memory', 'failure'],
    ['unknown-stop-code', 'failure'],
    ['user-initiated', 'expected'],
    ['task-completed', 'expected'],
  ])('gives the %s event the gate cause %s', (name, cause) => {
    // Act + Assess
    expect(stopCause(classify(loadEvent(name)))).toBe(cause);
  });

  it('falls back on the stopped reason when the stop code is missing', () => {
    // Prepare
    const scaling = withDetail('scaling-activity', { stopCode: undefined });
    const exited = withDetail('essential-container-exited', { stopCode: undefined });

    // Act + Assess
    expect(classify(scaling).category).toBe('scaling-activity');
    expect(classify(exited).category).toBe('essential-container-exited');
  });

  it('classifies a stop with no stop code, reason or containers as unknown', () => {
    // Act
    const classification = classify({
      detail: { taskArn: 'arn:aws:ecs:us-east-1:1:task/c/t', lastStatus: 'STOPPED' },
    });

    // Assess
    expect(classification).toMatchObject({ category: 'unknown', expected: false });
    expect(classification.explanation).toBe('ECS stopped the task (no stop code), without a reason.');
  });

  it('cuts a very long ECS reason in the one-line explanation', () => {
    // Prepare
    const event = withDetail('unknown-stop-code', { stoppedReason: `Something\nnew ${'x'.repeat(5000)}` });

    // Act
    const classification = classify(event);

    // Assess
    expect(classification.explanation.length).toBeLessThan(400);
    expect(classification.explanation).not.toMatch(/\n/);
  });
});

describe('exitCodeMeaning', () => {
  it.each([
    [1, 'application error'],
    [127, 'command not found'],
    [137, 'killed (SIGKILL)'],
    [130, 'killed by signal 2'],
    [42, 'application-defined'],
  ])('reads exit code %i as %s', (code, meaning) => {
    // Act + Assess
    expect(exitCodeMeaning(code)).toBe(meaning);
  });
});
