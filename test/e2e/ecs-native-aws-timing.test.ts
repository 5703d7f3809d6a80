/**
 * `demo ecs-native --aws-timing` end to end, shortened to one step (ECS CANARY 50, then 100 %): the
 * simulated ECS deployment on a clock compressed 60 times, the hook reading the proxy's figures
 * as CloudWatch publishes them (60-s periods, 120 s after they end). No hook answer that judges
 * traffic may come before published data could exist: checked on the invocations' own times,
 * converted to virtual time, not on what the adapter says of its data.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runEcsNativeDemo, type EcsNativeDemoReport } from '../../bin/ecs-native-demo';

const COMPRESS = 60;
const HOLD_MS = 60_000;
const DELAY_MS = 120_000;

describe('greenlight demo ecs-native --aws-timing (simulated ECS linear deployment, 60×)', () => {
  let report: EcsNativeDemoReport;
  let printed = '';

  beforeAll(async () => {
    report = await runEcsNativeDemo({
      workDir: mkdtempSync(path.join(os.tmpdir(), 'greenlight-ecs-native-aws-')),
      ratePerSecond: 200,
      awsTiming: { compress: COMPRESS },
      stepPercent: 50,
      out: { write: (chunk: string) => (printed += chunk) },
    });
  }, 60_000);

  /**
   * The invocations of `stage` in one deployment (of one production share, when given), times in
   * virtual ms from the first of them.
   */
  const stageCalls = (d: EcsNativeDemoReport['deployments'][number], stage: string, share?: number) => {
    const calls = d.invocations.filter(
      (i) => i.stage === stage && !i.rollback && (share === undefined || i.productionPercent === share),
    );
    const first = calls[0]!.atMs;
    return calls.map((i) => ({ ...i, virtualMs: (i.atMs - first) * COMPRESS }));
  };

  it('ends good and bad as expected and names the compression', () => {
    expect(report.passed).toBe(true);
    expect(report.timing.awsTiming).toEqual({ compress: 60, periodSeconds: 60, publishDelaySeconds: 120 });
    expect(printed).toContain('AWS timing, time compressed 60×: metrics in 60-s periods published 120 s');
    expect(printed).toContain('ECS minutes compressed 60×');
    expect(printed).toContain('callBackDelay compressed 60×');
  });

  it('passes each shift and the bake only once published periods could cover their holds', () => {
    const good = report.deployments[0]!;
    expect(report.deploymentConfiguration.strategy).toBe('CANARY');
    for (const share of [50, 100]) {
      const shift = stageCalls(good, 'PRODUCTION_TRAFFIC_SHIFT', share);
      const pass = shift.at(-1)!;
      expect(pass.hookStatus).toBe('SUCCEEDED');
      // Before: IN_PROGRESS, with the evidence not yet published.
      expect(shift.slice(0, -1).every((i) => i.hookStatus === 'IN_PROGRESS')).toBe(true);
      expect(pass.virtualMs).toBeGreaterThanOrEqual(HOLD_MS + DELAY_MS);
    }
    const bake = stageCalls(good, 'POST_PRODUCTION_TRAFFIC_SHIFT');
    expect(bake.at(-1)!.hookStatus).toBe('SUCCEEDED');
    expect(bake.at(-1)!.virtualMs).toBeGreaterThanOrEqual(HOLD_MS + DELAY_MS);
  });

  it('fails the faulty release only on a published period that ended after the shift', () => {
    const bad = report.deployments[1]!;
    expect(bad).toMatchObject({ outcome: 'ROLLBACK_SUCCESSFUL', failedStage: 'PRODUCTION_TRAFFIC_SHIFT' });
    const failed = stageCalls(bad, 'PRODUCTION_TRAFFIC_SHIFT').find((i) => i.hookStatus === 'FAILED')!;
    expect(failed.virtualMs).toBeGreaterThanOrEqual(DELAY_MS);
    expect(bad.hookReasons.join(' ')).toMatch(/5xx rate [\d.]+% on (green|the new color)/);
  });
});
