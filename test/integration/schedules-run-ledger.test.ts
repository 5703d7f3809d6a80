import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoRunLedger } from '../../shared/aws/dynamo-run-ledger';
import { claimRecord, finalRecord, type RunClaim } from '../../shared/domain/schedules/run-record';
import { emptyHistory } from '../../shared/domain/schedules/retry-policy';
import { startDynalite, type LocalDynamo } from '../../shared/local/dynamodb/dynalite';

const T0 = Date.UTC(2027, 2, 15, 6, 30, 0);
const MINUTE = 60_000;
const DAY = 86_400_000;

describe('DynamoRunLedger on dynalite', () => {
  let dynamo: LocalDynamo;
  let ledger: DynamoRunLedger;
  let counter = 0;
  const unique = (prefix: string) => `${prefix}-${++counter}`;
  const claim = (schedule: string, overrides: Partial<RunClaim> = {}): RunClaim => ({
    schedule,
    runId: `${schedule}_20270315T063000Z`,
    trigger: 'schedule',
    slotAt: T0,
    execution: 'exec-1',
    cluster: 'jobs',
    startedAt: T0 + 1_000,
    expiresAt: T0 + 90 * DAY,
    ...overrides,
  });

  beforeAll(async () => {
    dynamo = await startDynalite({ tableName: 'greenlight-ledger-test' });
    ledger = new DynamoRunLedger({
      client: dynamo.documentClient,
      tableName: dynamo.tableName,
      queryPageSize: 2,
    });
  });
  afterAll(async () => {
    await dynamo.stop();
  });

  describe('runs', () => {
    it('lets the first delivery of a slot claim it, the same execution claim again, and no other', async () => {
      const schedule = unique('nightly');
      await expect(ledger.claimRun(claim(schedule))).resolves.toEqual({ claimed: true });
      await expect(ledger.claimRun(claim(schedule))).resolves.toEqual({ claimed: true });
      const other = await ledger.claimRun(claim(schedule, { execution: 'exec-2' }));
      expect(other).toEqual({ claimed: false, existing: claimRecord(claim(schedule)) });
    });

    it('writes the final record over the claim only for the owning execution, with the TTL attribute for AWS', async () => {
      const schedule = unique('nightly');
      const c = claim(schedule);
      await ledger.claimRun(c);
      const record = finalRecord({
        claim: c,
        history: emptyHistory(),
        outcome: 'SUCCEEDED',
        reason: 'job exited 0',
        endedAt: T0 + 61_000,
        historyTtlDays: 30,
      });
      await expect(ledger.recordRun({ ...record, execution: 'exec-2' })).resolves.toBe(false);
      await expect(ledger.recordRun(record)).resolves.toBe(true);
      await expect(ledger.getRun(schedule, c.runId, T0, T0 + DAY)).resolves.toEqual(record);
      const { Item } = await dynamo.documentClient.send(
        new GetCommand({
          TableName: dynamo.tableName,
          Key: { pk: `SCHEDULE#${schedule}`, sk: `RUN#00${T0}#${c.runId}` },
        }),
      );
      expect(Item?.ttl).toBe(Math.ceil((T0 + 61_000 + 30 * DAY) / 1000));
    });

    it('lists a schedule’s runs newest first across pages, leaving out expired ones (dynalite has no TTL)', async () => {
      const schedule = unique('hourly');
      for (let i = 0; i < 5; i++) {
        const slotAt = T0 + i * 60 * MINUTE;
        const c = claim(schedule, {
          runId: `${schedule}_${i}`,
          slotAt,
          expiresAt: i === 1 ? T0 + DAY : T0 + 90 * DAY,
        });
        await ledger.recordRun(
          finalRecord({
            claim: c,
            history: emptyHistory(),
            outcome: i === 3 ? 'FAILED' : 'SUCCEEDED',
            reason: 'r',
            endedAt: slotAt + MINUTE,
            historyTtlDays: i === 1 ? 0 : 90,
          }),
        );
      }
      const runs = await ledger.listRuns(schedule, { now: T0 + 2 * DAY, limit: 10 });
      expect(runs.map((r) => r.runId)).toEqual([4, 3, 2, 0].map((i) => `${schedule}_${i}`));
      expect((await ledger.listRuns(schedule, { now: T0 + 2 * DAY, limit: 2 })).map((r) => r.runId)).toEqual([
        `${schedule}_4`,
        `${schedule}_3`,
      ]);
      await expect(ledger.previousOutcome(schedule, T0 + 4 * 60 * MINUTE, T0 + 2 * DAY)).resolves.toBe(
        'FAILED',
      );
      await expect(ledger.previousOutcome(schedule, T0 + 3 * 60 * MINUTE, T0 + 2 * DAY)).resolves.toBe(
        'SUCCEEDED',
      );
      await expect(ledger.previousOutcome(schedule, T0, T0 + 2 * DAY)).resolves.toBeNull();
    });

    it('skips runs still RUNNING when asked for the previous outcome', async () => {
      const schedule = unique('nightly');
      await ledger.claimRun(claim(schedule));
      await expect(ledger.previousOutcome(schedule, T0 + DAY, T0 + MINUTE)).resolves.toBeNull();
    });
  });

  describe('the guard', () => {
    it('is held by one run at a time, names its holder and task, and frees on release', async () => {
      const schedule = unique('guarded');
      await expect(ledger.acquireGuard(schedule, 'run-a', 10 * MINUTE, T0)).resolves.toEqual({
        acquired: true,
        expiresAt: T0 + 10 * MINUTE,
      });
      await expect(ledger.setGuardTask(schedule, 'run-a', 'arn:task/1', T0 + 1)).resolves.toBe(true);
      await expect(ledger.acquireGuard(schedule, 'run-b', 10 * MINUTE, T0 + MINUTE)).resolves.toEqual({
        acquired: false,
        holder: { runId: 'run-a', expiresAt: T0 + 10 * MINUTE, taskArn: 'arn:task/1' },
      });
      await expect(ledger.holdsGuard(schedule, 'run-a', T0 + MINUTE)).resolves.toBe(true);
      await expect(ledger.releaseGuard(schedule, 'run-b')).resolves.toBe(false);
      await expect(ledger.releaseGuard(schedule, 'run-a')).resolves.toBe(true);
      await expect(ledger.acquireGuard(schedule, 'run-b', 10 * MINUTE, T0 + MINUTE)).resolves.toMatchObject({
        acquired: true,
      });
    });

    it('lets a later run take an expired guard, and the old holder no longer sets its task', async () => {
      const schedule = unique('guarded');
      await ledger.acquireGuard(schedule, 'run-a', MINUTE, T0);
      await expect(ledger.acquireGuard(schedule, 'run-b', MINUTE, T0 + MINUTE + 1)).resolves.toMatchObject({
        acquired: true,
      });
      await expect(ledger.setGuardTask(schedule, 'run-a', 'arn:task/1', T0 + MINUTE + 2)).resolves.toBe(
        false,
      );
      await expect(ledger.holdsGuard(schedule, 'run-a', T0 + MINUTE + 2)).resolves.toBe(false);
    });

    it('hands the guard over only from its current holder (overlap: replace)', async () => {
      const schedule = unique('guarded');
      await ledger.acquireGuard(schedule, 'run-a', 10 * MINUTE, T0);
      await expect(ledger.takeOverGuard(schedule, 'run-x', 'run-b', 10 * MINUTE, T0 + 1)).resolves.toBe(
        false,
      );
      await expect(ledger.takeOverGuard(schedule, 'run-a', 'run-b', 10 * MINUTE, T0 + 1)).resolves.toBe(true);
      await expect(ledger.holdsGuard(schedule, 'run-b', T0 + 2)).resolves.toBe(true);
      await expect(ledger.releaseGuard(schedule, 'run-a')).resolves.toBe(false);
    });

    it('gives the guard to exactly one of many runs asking at once', async () => {
      const schedule = unique('guarded');
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => ledger.acquireGuard(schedule, `run-${i}`, 10 * MINUTE, T0)),
      );
      expect(results.filter((r) => r.acquired)).toHaveLength(1);
    });
  });
});
