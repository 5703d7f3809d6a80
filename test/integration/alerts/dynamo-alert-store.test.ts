import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoAlertStore, stopPk, windowPk } from '../../../shared/aws/dynamo-alert-store';
import type { WindowStop } from '../../../shared/domain/alerts/window';
import { startDynalite, type LocalDynamo } from '../../../shared/local/dynamodb/dynalite';

const T0 = Date.UTC(2026, 2, 2, 10, 0, 0);
const LEASE_MS = 45_000;
const RETAIN_MS = 24 * 60 * 60_000;
const WINDOW_MS = 10 * 60_000;
const CLAIM = { leaseMs: LEASE_MS, retainMs: RETAIN_MS };
const COUNT = { windowMs: WINDOW_MS, retainMs: RETAIN_MS };
const OOM: WindowStop = { category: 'out-of-memory', exitCode: 137, container: 'app' };

describe('DynamoAlertStore on dynalite', () => {
  let dynamo: LocalDynamo;
  let store: DynamoAlertStore;
  let counter = 0;
  /** Each test gets its own keys so tests never see each other's items. */
  const unique = (prefix: string) => `${prefix}-${++counter}`;
  const stopRef = () => ({ taskArn: unique('arn:aws:ecs:eu-west-1:111122223333:task/prod/t'), version: '6' });

  beforeAll(async () => {
    dynamo = await startDynalite({ tableName: 'greenlight-alerts-test' });
    store = new DynamoAlertStore({ client: dynamo.documentClient, tableName: dynamo.tableName });
  });

  afterAll(async () => {
    await dynamo.stop();
  });

  describe('claimStop', () => {
    it('claims a new stop, then calls the same stop a duplicate', async () => {
      // Prepare
      const ref = stopRef();

      // Act
      const first = await store.claimStop(ref, { now: T0, ...CLAIM });
      const second = await store.claimStop(ref, { now: T0 + 1_000, ...CLAIM });

      // Assess
      expect(first).toMatchObject({ status: 'claimed', resumed: false, saved: null });
      expect(second).toEqual({ status: 'duplicate' });
    });

    it('stores the marker under an ALERT#STOP key with expiresAt and an epoch-seconds ttl', async () => {
      // Prepare
      const ref = stopRef();

      // Act
      await store.claimStop(ref, { now: T0, ...CLAIM });

      // Assess
      const { Item } = await dynamo.documentClient.send(
        new GetCommand({ TableName: dynamo.tableName, Key: { pk: stopPk(ref), sk: 'STOP' } }),
      );
      expect(Item).toMatchObject({
        pk: `ALERT#STOP#${ref.taskArn}#6`,
        state: 'pending',
        leaseUntil: T0 + LEASE_MS,
        expiresAt: T0 + RETAIN_MS,
        ttl: Math.ceil((T0 + RETAIN_MS) / 1000),
      });
    });

    it('tells versions of one task apart', async () => {
      // Prepare
      const ref = stopRef();

      // Act
      await store.claimStop(ref, { now: T0, ...CLAIM });
      const other = await store.claimStop({ ...ref, version: '7' }, { now: T0, ...CLAIM });

      // Assess
      expect(other.status).toBe('claimed');
    });

    it('keeps a sent stop a duplicate after the lease, until it expires', async () => {
      // Prepare
      const ref = stopRef();
      const claim = await store.claimStop(ref, { now: T0, ...CLAIM });
      if (claim.status !== 'claimed') throw new Error('expected a claim');
      await store.completeStop(ref, claim.token);

      // Act
      const afterLease = await store.claimStop(ref, { now: T0 + LEASE_MS + 1, ...CLAIM });
      const afterExpiry = await store.claimStop(ref, { now: T0 + RETAIN_MS + 1, ...CLAIM });

      // Assess
      expect(afterLease.status).toBe('duplicate');
      expect(afterExpiry).toMatchObject({ status: 'claimed', resumed: false });
    });

    it('resumes a released stop at once, with the progress it saved', async () => {
      // Prepare
      const ref = stopRef();
      const claim = await store.claimStop(ref, { now: T0, ...CLAIM });
      if (claim.status !== 'claimed') throw new Error('expected a claim');
      const counted = await store.countStop(unique('prod|service:web'), OOM, { now: T0, ...COUNT });
      await store.releaseStop(ref, claim.token, { counted, published: 1 });

      // Act
      const retry = await store.claimStop(ref, { now: T0 + 1_000, ...CLAIM });

      // Assess
      expect(retry).toMatchObject({ status: 'claimed', resumed: true, saved: { counted, published: 1 } });
    });

    it('resumes a pending stop whose lease ran out (its invocation died), not before', async () => {
      // Prepare
      const ref = stopRef();
      await store.claimStop(ref, { now: T0, ...CLAIM });

      // Act
      const during = await store.claimStop(ref, { now: T0 + LEASE_MS, ...CLAIM });
      const after = await store.claimStop(ref, { now: T0 + LEASE_MS + 1, ...CLAIM });

      // Assess
      expect(during.status).toBe('duplicate');
      expect(after).toMatchObject({ status: 'claimed', resumed: true, saved: null });
    });

    it('lets the old owner neither complete nor release a claim taken over', async () => {
      // Prepare
      const ref = stopRef();
      const old = await store.claimStop(ref, { now: T0, ...CLAIM });
      const taken = await store.claimStop(ref, { now: T0 + LEASE_MS + 1, ...CLAIM });
      if (old.status !== 'claimed' || taken.status !== 'claimed') throw new Error('expected two claims');

      // Act
      const completed = await store.completeStop(ref, old.token);
      await store.releaseStop(ref, old.token, null);
      const duplicate = await store.claimStop(ref, { now: T0 + LEASE_MS + 2, ...CLAIM });

      // Assess
      expect(completed).toBe(false);
      expect(duplicate.status).toBe('duplicate');
    });

    it('grants exactly one of 20 concurrent claims of one stop', async () => {
      // Prepare
      const ref = stopRef();

      // Act
      const claims = await Promise.all(
        Array.from({ length: 20 }, () => store.claimStop(ref, { now: T0, ...CLAIM })),
      );

      // Assess
      expect(claims.filter((c) => c.status === 'claimed')).toHaveLength(1);
    });
  });

  describe('countStop', () => {
    it('opens a window on the first stop and counts the next ones in it, per category', async () => {
      // Prepare
      const key = unique('prod|service:web');

      // Act
      const first = await store.countStop(key, OOM, { now: T0, ...COUNT });
      await store.countStop(key, OOM, { now: T0 + 60_000, ...COUNT });
      const third = await store.countStop(
        key,
        { category: 'elb-health-check', exitCode: null, container: null },
        { now: T0 + 120_000, ...COUNT },
      );

      // Assess
      expect(first).toEqual({
        window: {
          startedAt: T0,
          lastAt: T0,
          count: 1,
          categories: { 'out-of-memory': 1 },
          lastCategory: 'out-of-memory',
          lastExitCode: 137,
          lastContainer: 'app',
        },
        closed: null,
      });
      expect(third).toEqual({
        window: {
          startedAt: T0,
          lastAt: T0 + 120_000,
          count: 3,
          categories: { 'out-of-memory': 2, 'elb-health-check': 1 },
          lastCategory: 'elb-health-check',
          lastExitCode: null,
          lastContainer: null,
        },
        closed: null,
      });
    });

    it('opens a new window after windowMs and returns the one it closed', async () => {
      // Prepare
      const key = unique('prod|service:web');
      await store.countStop(key, OOM, { now: T0, ...COUNT });
      await store.countStop(key, OOM, { now: T0 + 5 * 60_000, ...COUNT });

      // Act
      const next = await store.countStop(key, OOM, { now: T0 + WINDOW_MS, ...COUNT });

      // Assess
      expect(next.window).toMatchObject({ startedAt: T0 + WINDOW_MS, count: 1 });
      expect(next.closed).toMatchObject({ startedAt: T0, lastAt: T0 + 5 * 60_000, count: 2 });
    });

    it('does not report a window that expired long ago', async () => {
      // Prepare
      const key = unique('prod|service:web');
      await store.countStop(key, OOM, { now: T0, ...COUNT });

      // Act
      const muchLater = await store.countStop(key, OOM, { now: T0 + RETAIN_MS + 1, ...COUNT });

      // Assess
      expect(muchLater.closed).toBeNull();
      expect(muchLater.window.count).toBe(1);
    });

    it('gives each of 30 concurrent stops its own count, and opens the window once', async () => {
      // Prepare
      const key = unique('prod|service:web');

      // Act
      const results = await Promise.all(
        Array.from({ length: 30 }, () => store.countStop(key, OOM, { now: T0, ...COUNT })),
      );

      // Assess
      expect(results.map((r) => r.window.count).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 30 }, (_, i) => i + 1),
      );
      expect(results.filter((r) => r.closed !== null)).toEqual([]);
    });

    it('stores the window under an ALERT#WINDOW key with a ttl', async () => {
      // Prepare
      const key = unique('prod|service:web');

      // Act
      await store.countStop(key, OOM, { now: T0, ...COUNT });

      // Assess
      const { Item } = await dynamo.documentClient.send(
        new GetCommand({ TableName: dynamo.tableName, Key: { pk: windowPk(key), sk: 'WINDOW' } }),
      );
      expect(Item).toMatchObject({
        pk: `ALERT#WINDOW#${key}`,
        count: 1,
        'cat_out-of-memory': 1,
        ttl: Math.ceil((T0 + RETAIN_MS) / 1000),
      });
    });
  });
});
