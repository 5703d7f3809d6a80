import {
  parseTaskEvent,
  parseTaskDefinitionArn,
  type TaskStop,
} from '../../../shared/domain/alerts/task-event';
import { loadEvent } from '../../fixtures/ecs-events';

function parsedStop(raw: unknown): TaskStop {
  const result = parseTaskEvent(raw);
  if (!result.ok) throw new Error(`expected a parsed event, got ${JSON.stringify(result.issues)}`);
  return result.stop;
}

describe('parseTaskEvent', () => {
  it('derives cluster, service, family, revision, region and task id from a delivered event', () => {
    // Prepare
    const event = loadEvent('out-of-memory');

    // Act
    const stop = parsedStop(event);

    // Assess
    expect(stop).toMatchObject({
      taskArn: 'arn:aws:ecs:eu-west-1:111122223333:task/prod/0a1b2c3d4e5f40718293a4b5c6d7e8f9',
      taskId: '0a1b2c3d4e5f40718293a4b5c6d7e8f9',
      cluster: 'prod',
      clusterArn: 'arn:aws:ecs:eu-west-1:111122223333:cluster/prod',
      region: 'eu-west-1',
      account: '111122223333',
      group: 'service:web-blue',
      service: 'web-blue',
      family: 'web',
      revision: 42,
      launchType: 'FARGATE',
      stopCode: 'EssentialContainerExited',
      lastStatus: 'STOPPED',
      version: '6',
    });
    expect(stop.containers).toEqual([
      expect.objectContaining({
        name: 'app',
        exitCode: 137,
        reason: 'OutOfMemoryError: Container killed due to memory usage',
      }),
      expect.objectContaining({ name: 'log-router', exitCode: 0 }),
    ]);
  });

  it('reads a standalone task family from its group and lists its environment overrides', () => {
    // Act
    const stop = parsedStop(loadEvent('exit-with-secret-overrides'));

    // Assess
    expect(stop.service).toBeUndefined();
    expect(stop.family).toBe('nightly-report');
    expect(stop.environment).toContainEqual({
      container: 'report',
      name: 'DB_PASSWORD',
      value: 'hunter2-Planted-Pa55word',
    });
    expect(stop.environment).toHaveLength(5);
  });

  it('drops fields of the wrong type instead of refusing the event', () => {
    // Prepare
    const event = loadEvent('essential-container-exited');
    Object.assign(event.detail, {
      version: { nested: true },
      stopCode: 42,
      containers: [7, { name: 'app', exitCode: 'one' }],
    });

    // Act
    const stop = parsedStop(event);

    // Assess
    expect(stop.version).toBeUndefined();
    expect(stop.stopCode).toBeUndefined();
    expect(stop.containers).toEqual([{ name: 'app' }]);
  });

  it('keeps an event with no containers, overrides, group or cluster', () => {
    // Act
    const stop = parsedStop({
      detail: { taskArn: 'arn:aws:ecs:us-east-1:111122223333:task/abc', lastStatus: 'STOPPED' },
    });

    // Assess
    expect(stop).toEqual({
      taskArn: 'arn:aws:ecs:us-east-1:111122223333:task/abc',
      taskId: 'abc',
      cluster: 'unknown',
      region: 'us-east-1',
      account: '111122223333',
      lastStatus: 'STOPPED',
      containers: [],
      environment: [],
    });
  });

  it.each([
    ['no detail', {}, 'detail'],
    ['a detail without a task ARN', { detail: { lastStatus: 'STOPPED' } }, 'detail.taskArn'],
    [
      'another detail-type',
      { 'detail-type': 'ECS Service Action', detail: { taskArn: 'arn:x' } },
      'detail-type',
    ],
    ['a JSON array', [1, 2], '(event)'],
    ['null', null, '(event)'],
  ])('refuses %s, naming the field', (_label, raw, path) => {
    // Act
    const result = parseTaskEvent(raw);

    // Assess
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues.map((i) => i.path)).toContain(path);
  });

  it('names the task ARN of an event it refuses, when there is one', () => {
    // Act
    const result = parseTaskEvent({
      'detail-type': 'Other',
      detail: { taskArn: 'arn:aws:ecs:r:1:task/c/t' },
    });

    // Assess
    expect(result).toMatchObject({ ok: false, taskArn: 'arn:aws:ecs:r:1:task/c/t' });
  });
});

describe('parseTaskDefinitionArn', () => {
  it.each([
    ['arn:aws:ecs:eu-west-1:111122223333:task-definition/web:42', { family: 'web', revision: 42 }],
    ['web:7', { family: 'web', revision: 7 }],
    ['web', { family: 'web' }],
    ['', undefined],
    ['not a task definition!', undefined],
  ])('reads %j', (arn, expected) => {
    // Act + Assess
    expect(parseTaskDefinitionArn(arn)).toEqual(expected);
  });
});
