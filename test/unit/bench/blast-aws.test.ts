import { blastAws } from '../../../bench/blast-aws';

describe('npm run bench -- blast-aws', () => {
  it('writes one row per policy with outcome counts and the figures, reproducibly', async () => {
    // Act
    const first = await blastAws(['--runs', '8', '--seed', '7']);
    const again = await blastAws(['--runs', '8', '--seed', '7']);

    // Assess
    const results = first.data.results as { key: string; runs: number; outcomes: Record<string, number> }[];
    expect(results.map((r) => r.key)).toEqual([
      'codedeploy-alarm-bad',
      'greenlight-bad',
      'codedeploy-alarm-good',
      'greenlight-good',
      'greenlight-fast-bad',
      'greenlight-fast-good',
      'greenlight-test-bad',
    ]);
    for (const row of results) {
      expect(row.runs).toBe(8);
      expect((row.outcomes.PROMOTED ?? 0) + (row.outcomes.ROLLED_BACK ?? 0)).toBe(8);
      expect(row).toMatchObject({
        failedRequests: { median: expect.any(Number), p95: expect.any(Number) },
        durationMs: { median: expect.any(Number) },
      });
    }
    expect(again.data.results).toEqual(first.data.results);
  });

  it('rolls the bad release back on high-resolution metrics with fewer failed requests than on ALB metrics', async () => {
    const { data } = await blastAws(['--runs', '20', '--seed', '3']);
    const rows = data.results as {
      key: string;
      outcomes: Record<string, number>;
      failedRequests: { median: number };
    }[];
    const fast = rows.find((r) => r.key === 'greenlight-fast-bad')!;
    const slow = rows.find((r) => r.key === 'greenlight-bad')!;
    expect(fast.outcomes.ROLLED_BACK).toBe(20);
    expect(fast.failedRequests.median).toBeLessThan(slow.failedRequests.median);
    expect(
      (data.setup as { highResolution: { greenlightModel: unknown } }).highResolution.greenlightModel,
    ).toEqual({
      periodSeconds: 10,
      publishDelaySeconds: 20,
    });
  });

  it('promotes the good release on high-resolution metrics sooner than on ALB metrics, reporting its false rollbacks', async () => {
    const { data } = await blastAws(['--runs', '20', '--seed', '5']);
    const rows = data.results as {
      key: string;
      outcomes: Record<string, number>;
      promotionMs: { median: number | null };
    }[];
    const fast = rows.find((r) => r.key === 'greenlight-fast-good')!;
    const slow = rows.find((r) => r.key === 'greenlight-good')!;
    expect(fast.outcomes.PROMOTED).toBeGreaterThanOrEqual(19);
    expect(fast.promotionMs.median).toBeLessThan(slow.promotionMs.median!);
    expect(data.falseRollbackRate).toMatchObject({
      greenlightFastGood: (fast.outcomes.ROLLED_BACK ?? 0) / 20,
    });
  });

  it('rejects a bad --runs', async () => {
    await expect(blastAws(['--runs', '0'])).rejects.toThrow('--runs');
  });
});
