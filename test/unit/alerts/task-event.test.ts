import {
  EVENT_FIELD_MAX_BYTES,
  KEY_PREFIX_ALLOWANCE_BYTES,
  parseTaskEvent,
  parseTaskDefinitionArn,
  type TaskStop,
} from '../../../shared/domain/alerts/task-event';
import { stopPk, windowPk } from '../../../shared/aws/dynamo-alert-store';
import { windowKey } from '../../../shared/domain/alerts/policy';
import { DYNAMODB_PARTITION_KEY_MAX_BYTES, utf8Bytes } from '../../../shared/domain/limits';
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

describe('parseTaskEvent: key fields bounded by DynamoDB key limits', () => {
  const long = (n: number) => 'x'.repeat(n);

  it.each([
    ['detail.taskArn', { taskArn: `arn:aws:ecs:eu-west-1:111122223333:task/prod/${long(3000)}` }],
    ['detail.version', { version: long(3000) }],
    ['detail.group', { group: `service:${long(3000)}` }],
    ['detail.clusterArn', { clusterArn: `arn:aws:ecs:eu-west-1:111122223333:cluster/${long(3000)}` }],
    ['detail.taskDefinitionArn', { taskDefinitionArn: `${long(3000)}:1` }],
    // Counted in bytes: 400 three-byte characters are 1,200 bytes.
    ['detail.group', { group: `service:${'€'.repeat(400)}` }],
  ])('refuses an over-long %s, naming the field and the limit, never the value', (path, fields) => {
    const event = loadEvent('essential-container-exited');
    Object.assign(event.detail, fields);

    const result = parseTaskEvent(event);

    expect(result.ok).toBe(false);
    const issue = !result.ok ? result.issues.find((i) => i.path === path) : undefined;
    expect(issue?.message).toMatch(/^longer than \d+ bytes \(UTF-8\)$/);
    expect(JSON.stringify(result)).not.toContain(long(100));
  });

  it('drops a container with an over-long name, keeps the others', () => {
    const event = loadEvent('essential-container-exited');
    event.detail.containers = [
      { name: long(5000), exitCode: 1 },
      { name: 'app', exitCode: 2 },
    ];

    expect(parsedStop(event).containers).toEqual([{ name: 'app', exitCode: 2 }]);
  });

  it('accepts every key field at its budget, and the keys built from them fit DynamoDB', () => {
    const b = EVENT_FIELD_MAX_BYTES;
    const taskArn = `arn:aws:ecs:eu-west-1:111122223333:task/c/${'t'.repeat(b.taskArn - 42)}`;
    const clusterArn = `arn:aws:ecs:eu-west-1:111122223333:cluster/${'c'.repeat(b.clusterArn - 43)}`;
    for (const scope of [
      { group: `family:${'g'.repeat(b.group - 7)}` },
      { taskDefinitionArn: `${'f'.repeat(b.taskDefinitionArn - 2)}:1` },
      {},
    ]) {
      const event = loadEvent('essential-container-exited');
      delete (event.detail as Record<string, unknown>).group;
      Object.assign(
        event.detail,
        { taskArn, clusterArn, version: 'v'.repeat(b.version), taskDefinitionArn: 'x:1' },
        scope,
      );
      expect(utf8Bytes(taskArn)).toBe(b.taskArn);
      expect(utf8Bytes(clusterArn)).toBe(b.clusterArn);

      const stop = parsedStop(event);

      expect(
        utf8Bytes(stopPk({ taskArn: stop.taskArn, version: stop.version ?? 'none' })),
      ).toBeLessThanOrEqual(DYNAMODB_PARTITION_KEY_MAX_BYTES);
      expect(utf8Bytes(windowPk(windowKey(stop)))).toBeLessThanOrEqual(DYNAMODB_PARTITION_KEY_MAX_BYTES);
    }
    expect(KEY_PREFIX_ALLOWANCE_BYTES).toBeGreaterThanOrEqual(64);
  });
});
