import { bake } from '../../../bench/bake';

describe('npm run bench -- bake', () => {
  it('runs every case with and without the latest window, on the rehearsal pace it names', async () => {
    // Act
    const { table, data } = await bake(['--runs', '4', '--seed', '2']);

    // Assess
    const rows = data.results as { case: string; rule: string; runs: number }[];
    expect(rows).toHaveLength(10);
    expect(new Set(rows.map((r) => r.rule))).toEqual(new Set(['whole bake only', '+ latest 60 s window']));
    expect(rows.every((r) => r.runs === 4)).toBe(true);
    // The simulation has no publication lag: the spec and the table must not claim CloudWatch's.
    expect((data.setup as { metrics: unknown }).metrics).toEqual({
      periodSeconds: 1,
      publishDelaySeconds: 0,
    });
    expect(table).toContain(
      'rehearsal pace (1-s periods, no publication delay; CloudWatch lag not modelled)',
    );
  });

  it('rolls a release degrading late in the bake back sooner with the latest window than without', async () => {
    const { data } = await bake(['--runs', '10', '--seed', '1']);
    const rows = data.results as {
      case: string;
      rule: string;
      rollbackRate: number;
      secondsAfterOnset: { p50: number } | null;
    }[];
    const late = rows.filter((r) => r.case === '6% 5xx from 240 s of a 300 s bake');
    const [whole, windowed] = [
      late.find((r) => r.rule === 'whole bake only')!,
      late.find((r) => r.rule !== 'whole bake only')!,
    ];
    expect(windowed.rollbackRate).toBe(1);
    expect(windowed.secondsAfterOnset!.p50).toBeLessThan(whole.secondsAfterOnset!.p50);
  });

  it('rejects a bad --runs', async () => {
    await expect(bake(['--runs', '0'])).rejects.toThrow('--runs');
  });
});
