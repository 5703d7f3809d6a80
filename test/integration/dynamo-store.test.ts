import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DeploymentNotFoundError, DynamoStore } from '../../shared/aws/dynamo-store';
import type { DeploymentRecord } from '../../shared/domain/deployment';
import { startDynalite, type LocalDynamo } from '../../shared/local/dynamodb/dynalite';

const T0 = 1_700_000_000_000;
const LEASE_MS = 60_000;

function record(overrides: Partial<DeploymentRecord> = {}): DeploymentRecord {
  return {
    id: 'dep-1',
    service: 'web',
    cluster: 'prod',
    image: 'web:1.0.0',
    requestedBy: 'alice',
    status: 'IN_PROGRESS',
    startedAt: T0,
    ...overrides,
  };
}

describe('DynamoStore on dynalite', () => {
  let dynamo: LocalDynamo;
  let store: DynamoStore;
  let counter = 0;
  /** Each test gets its own keys so tests never see each other's items. */
  const unique = (prefix: string) => `${prefix}-${++counter}`;

  beforeAll(async () => {
    dynamo = await startDynalite({ tableName: 'greenlight-test' });
    store = new DynamoStore({ client: dynamo.documentClient, tableName: dynamo.tableName });
  });

  afterAll(async () => {
    await dynamo.stop();
  });

  describe('locks', () => {
    it('grants a free lock until now + lease', async () => {
      // Prepare
      const key = unique('prod/web');

      // Act
      const result = await store.acquireLock(key, 'dep-a', LEASE_MS, T0);

      // Assess
      expect(result).toEqual({ acquired: true, expiresAt: T0 + LEASE_MS });
    });

    it('refuses a held lock and names the holder and its expiry', async () => {
      // Prepare
      const key = unique('prod/web');
      await store.acquireLock(key, 'dep-a', LEASE_MS, T0);

      // Act
      const result = await store.acquireLock(key, 'dep-b', LEASE_MS, T0 + 1_000);

      // Assess
      expect(result).toEqual({ acquired: false, heldBy: 'dep-a', expiresAt: T0 + LEASE_MS });
    });

    it('lets another owner take over an expired lock', async () => {
      // Prepare
      const key = unique('prod/web');
      await store.acquireLock(key, 'dep-a', LEASE_MS, T0);
      const afterExpiry = T0 + LEASE_MS + 1;

      // Act
      const result = await store.acquireLock(key, 'dep-b', LEASE_MS, afterExpiry);

      // Assess
      expect(result).toEqual({ acquired: true, expiresAt: afterExpiry + LEASE_MS });
      expect(await store.acquireLock(key, 'dep-a', LEASE_MS, afterExpiry + 1)).toEqual({
        acquired: false,
        heldBy: 'dep-b',
        expiresAt: afterExpiry + LEASE_MS,
      });
    });

    it('lets the same owner re-acquire and extend its lease', async () => {
      // Prepare
      const key = unique('prod/web');
      await store.acquireLock(key, 'dep-a', LEASE_MS, T0);

      // Act
      const result = await store.acquireLock(key, 'dep-a', LEASE_MS, T0 + 5_000);

      // Assess
      expect(result).toEqual({ acquired: true, expiresAt: T0 + 5_000 + LEASE_MS });
    });

    it('returns false when a non-owner releases, and the lock stays held', async () => {
      // Prepare
      const key = unique('prod/web');
      await store.acquireLock(key, 'dep-a', LEASE_MS, T0);

      // Act
      const released = await store.releaseLock(key, 'dep-b');

      // Assess
      expect(released).toBe(false);
      expect(await store.acquireLock(key, 'dep-c', LEASE_MS, T0 + 1)).toMatchObject({
        acquired: false,
        heldBy: 'dep-a',
      });
    });

    it('returns false when releasing a lock nobody holds', async () => {
      // Act
      const released = await store.releaseLock(unique('prod/web'), 'dep-a');

      // Assess
      expect(released).toBe(false);
    });

    it('frees the lock when its owner releases it', async () => {
      // Prepare
      const key = unique('prod/web');
      await store.acquireLock(key, 'dep-a', LEASE_MS, T0);

      // Act
      const released = await store.releaseLock(key, 'dep-a');

      // Assess
      expect(released).toBe(true);
      expect(await store.acquireLock(key, 'dep-b', LEASE_MS, T0 + 1)).toEqual({
        acquired: true,
        expiresAt: T0 + 1 + LEASE_MS,
      });
    });
  });

  describe('pending end notices', () => {
    it('lists an ended record while its notice is PENDING, and no longer once it is SENT', async () => {
      // Prepare
      const id = unique('notice');
      await store.createDeployment(record({ id }));

      // Act
      await store.updateDeployment(id, {
        status: 'UNOBSERVED',
        endedAt: T0 + 5,
        endNotice: { state: 'PENDING', attempts: 0 },
      });
      const pending = (await store.listPendingNotices()).map((r) => r.id);
      await store.updateDeployment(id, { endNotice: { state: 'SENT', attempts: 1 } });
      const after = (await store.listPendingNotices()).map((r) => r.id);

      // Assess
      expect(pending).toContain(id);
      expect(after).not.toContain(id);
      expect((await store.listOpenDeployments()).map((r) => r.id)).not.toContain(id);
    });
  });

  describe('open deployments', () => {
    it('lists a deployment while it is IN_PROGRESS and no longer once it has an outcome', async () => {
      // Prepare
      const open = unique('open');
      const done = unique('done');
      await store.createDeployment(record({ id: open, startedAt: T0 }));
      await store.createDeployment(record({ id: done, startedAt: T0 + 1 }));

      // Act
      await store.updateDeployment(done, { status: 'PROMOTED', endedAt: T0 + 5 });
      const ids = (await store.listOpenDeployments()).map((r) => r.id);

      // Assess
      expect(ids).toContain(open);
      expect(ids).not.toContain(done);
    });

    it('never lists a deployment created with an outcome already (a rejection)', async () => {
      const id = unique('rejected');

      await store.createDeployment(record({ id, status: 'REJECTED' }));

      expect((await store.listOpenDeployments()).map((r) => r.id)).not.toContain(id);
    });
  });

  describe('deployment records', () => {
    it('creates a record and reads it back without key attributes', async () => {
      // Prepare
      const id = unique('dep');

      // Act
      await store.createDeployment(record({ id, liveColor: undefined }));

      // Assess
      expect(await store.getDeployment(id)).toEqual(record({ id }));
    });

    it('keeps the first record when create is retried with different content', async () => {
      // Prepare
      const id = unique('dep');
      await store.createDeployment(record({ id, image: 'web:1.0.0' }));

      // Act
      await store.createDeployment(record({ id, image: 'web:2.0.0', startedAt: T0 + 1 }));

      // Assess
      expect(await store.getDeployment(id)).toMatchObject({ image: 'web:1.0.0', startedAt: T0 });
    });

    it('indexes deployments by service, newest first, once per deployment even on retries', async () => {
      // Prepare
      const service = unique('svc');
      const older = unique('dep');
      await store.createDeployment(record({ id: older, service, startedAt: T0 }));
      const newer = unique('dep');
      await store.createDeployment(record({ id: newer, service, startedAt: T0 + 10 }));

      // Act
      await store.createDeployment(record({ id: newer, service, startedAt: T0 + 99 }));
      const listed = await store.listServiceDeployments(service);

      // Assess
      expect(listed).toEqual([
        { id: newer, startedAt: T0 + 10 },
        { id: older, startedAt: T0 },
      ]);
    });

    it('lists every service that had a deployment, once each, across query pages', async () => {
      // Prepare
      const paged = new DynamoStore({
        client: dynamo.documentClient,
        tableName: dynamo.tableName,
        queryPageSize: 2,
      });
      const services = [unique('listed'), unique('listed'), unique('listed')];
      for (const service of services) {
        await paged.createDeployment(record({ id: unique('dep'), service }));
        await paged.createDeployment(record({ id: unique('dep'), service }));
      }

      // Act
      const listed = await paged.listServices();

      // Assess
      for (const service of services) expect(listed.filter((s) => s === service)).toEqual([service]);
    });

    it('updates only the fields in the patch and skips undefined ones', async () => {
      // Prepare
      const id = unique('dep');
      await store.createDeployment(record({ id }));

      // Act
      await store.updateDeployment(id, {
        status: 'ROLLED_BACK',
        endedAt: T0 + 500,
        error: { error: 'GateFailed', cause: '5xx rate 9.0% > 1.0%' },
        lastWeight: undefined,
      });

      // Assess
      expect(await store.getDeployment(id)).toEqual({
        ...record({ id }),
        status: 'ROLLED_BACK',
        endedAt: T0 + 500,
        error: { error: 'GateFailed', cause: '5xx rate 9.0% > 1.0%' },
      });
    });

    it('returns null for an unknown deployment', async () => {
      // Act
      const found = await store.getDeployment(unique('missing'));

      // Assess
      expect(found).toBeNull();
    });

    it('refuses to update an unknown deployment and creates nothing', async () => {
      // Prepare
      const id = unique('missing');

      // Act
      const update = store.updateDeployment(id, { status: 'PROMOTED' });

      // Assess
      await expect(update).rejects.toThrow(DeploymentNotFoundError);
      await expect(update).rejects.toThrow(id);
      expect(await store.getDeployment(id)).toBeNull();
    });
  });

  describe('events', () => {
    it('lists events in time order across several query pages', async () => {
      // Prepare
      const id = unique('dep');
      const pagedStore = new DynamoStore({
        client: dynamo.documentClient,
        tableName: dynamo.tableName,
        queryPageSize: 3,
      });
      const times = [T0 + 9_000, T0 + 100, T0 + 5_000, T0 + 20, T0 + 70_000, T0 + 3, T0 + 600, T0 + 100];
      for (const [i, at] of times.entries()) {
        await pagedStore.appendEvent(id, { at, type: 'step', message: `event ${i}`, data: { i } });
      }
      await pagedStore.appendEvent(unique('other'), { at: T0, type: 'step', message: 'another deployment' });
      const send = jest.spyOn(dynamo.documentClient, 'send');

      // Act
      const events = await pagedStore.listEvents(id);

      // Assess
      const queries = send.mock.calls.filter(([command]) => command instanceof QueryCommand);
      send.mockRestore();
      expect(queries.length).toBeGreaterThan(1);
      expect(events.map((e) => e.at)).toEqual([...times].sort((a, b) => a - b));
      expect(events[0]).toEqual({ at: T0 + 3, type: 'step', message: 'event 5', data: { i: 5 } });
      // Same-millisecond events keep the order they were appended in.
      expect(events.filter((e) => e.at === T0 + 100).map((e) => e.message)).toEqual(['event 1', 'event 7']);
    });

    it('writes a keyed event once however often it is appended, among the others in time order', async () => {
      // Prepare
      const id = unique('hook');
      await store.appendEvent(id, { at: T0 + 10, type: 'step', message: 'before' });
      const verdict = { at: T0 + 20, type: 'hook-verdict', message: 'passed' };

      // Act
      const first = await store.appendEventOnce(id, 'ecs:POST_SCALE_UP:rev:SUCCEEDED', verdict);
      const again = await store.appendEventOnce(id, 'ecs:POST_SCALE_UP:rev:SUCCEEDED', {
        ...verdict,
        at: T0 + 90_000,
      });
      await store.appendEvent(id, { at: T0 + 30, type: 'step', message: 'after' });

      // Assess
      expect([first, again]).toEqual([true, false]);
      expect((await store.listEvents(id)).map((e) => [e.at, e.message])).toEqual([
        [T0 + 10, 'before'],
        [T0 + 20, 'passed'],
        [T0 + 30, 'after'],
      ]);
    });

    it('returns no events for a deployment without any', async () => {
      // Act
      const events = await store.listEvents(unique('quiet'));

      // Assess
      expect(events).toEqual([]);
    });
  });
});
