/**
 * `npm run demo -- ecs-native` end to end: the simulated ECS LINEAR deployment over the real
 * rehearsal (processes, weighted proxy, load), invoking Greenlight's real ECS hook handler; a good
 * release completed, the faulty one rolled back on the hook's FAILED, and the report written.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runEcsNativeDemo, type EcsNativeDemoReport } from '../../bin/ecs-native-demo';

describe('greenlight demo ecs-native (simulated ECS linear deployment)', () => {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'greenlight-ecs-native-'));
  let report: EcsNativeDemoReport;
  let printed = '';

  beforeAll(async () => {
    // 400 requests/s: the sequential gate has its evidence in half the time of the demo's 200.
    report = await runEcsNativeDemo({
      workDir,
      ratePerSecond: 400,
      out: { write: (chunk: string) => (printed += chunk) },
    });
  }, 120_000);

  const good = () => report.deployments[0]!;
  const bad = () => report.deployments[1]!;

  it('ends both releases as expected and writes exactly that report', () => {
    expect(report.passed).toBe(true);
    const written = JSON.parse(readFileSync(path.join(workDir, 'ecs-native-report.json'), 'utf8'));
    expect(written).toEqual(report);
    expect(report.simulated).toMatch(
      /^simulation of an ECS built-in deployment: .*driven by Greenlight's workflow/,
    );
    // The plan's steps 34 and 68 % as ECS LINEAR; its holds are the hook's, ECS's own waits unwatched and 0.
    expect(report.deploymentConfiguration).toEqual({
      strategy: 'LINEAR',
      linearConfiguration: { stepPercent: 34, stepBakeTimeInMinutes: 0 },
      bakeTimeInMinutes: 0,
    });
    expect(report.lifecycleStages).toEqual([
      'POST_TEST_TRAFFIC_SHIFT',
      'PRODUCTION_TRAFFIC_SHIFT',
      'POST_PRODUCTION_TRAFFIC_SHIFT',
    ]);
    expect(report.htmlReports).toHaveLength(2);
    for (const file of report.htmlReports) expect(readFileSync(file, 'utf8')).toMatch(/^<!doctype html>/i);
    expect(printed).toContain('SIMULATION of an ECS built-in deployment');
    expect(printed).toContain('ECS minutes compressed 60×');
    expect(printed).toMatch(/Not modelled: ECS's deployment circuit breaker/);
  });

  it('completes the good release through every step, judged by the hook, with no failed request', () => {
    const g = good();
    expect(g).toMatchObject({
      outcome: 'SUCCESSFUL',
      failedRequests: 0,
      newColor: 'green',
      failedStage: null,
    });
    expect(g.requests).toBeGreaterThan(1000);
    // Greenlight's deployment drove it: its record ends PROMOTED, with the hook's verdicts in its history.
    expect(g.greenlight).toMatchObject({ deploymentId: 'ecs-native-v2', status: 'PROMOTED', cause: null });
    expect(g.greenlight.events).toBeGreaterThan(5);
    const succeeded = g.invocations.filter((i) => i.hookStatus === 'SUCCEEDED');
    expect(
      succeeded.filter((i) => i.stage === 'PRODUCTION_TRAFFIC_SHIFT').map((i) => i.productionPercent),
    ).toEqual([34, 68, 100]);
    expect(g.invocations.at(-1)).toMatchObject({
      stage: 'POST_PRODUCTION_TRAFFIC_SHIFT',
      hookStatus: 'SUCCEEDED',
    });
    // The hook held the test round, every step and the bake with IN_PROGRESS, and ECS waited each callBackDelay.
    expect(g.inProgressAnswers).toBeGreaterThan(5);
    for (const stage of [
      'POST_TEST_TRAFFIC_SHIFT',
      'PRODUCTION_TRAFFIC_SHIFT',
      'POST_PRODUCTION_TRAFFIC_SHIFT',
    ]) {
      expect(g.invocations.some((i) => i.stage === stage && i.hookStatus === 'IN_PROGRESS')).toBe(true);
    }
    g.invocations.forEach((i, n) => {
      if (i.hookStatus !== 'IN_PROGRESS') return;
      const next = g.invocations[n + 1]!;
      expect(next.stage).toBe(i.stage);
      expect(next.atMs - i.atMs).toBeGreaterThanOrEqual((i.callBackDelay ?? 30) * 1000 - 5);
    });
  });

  it("rolls the faulty release back on the hook's FAILED at the first step, with reversed-weight hooks not judged", () => {
    const b = bad();
    expect(b).toMatchObject({
      outcome: 'ROLLBACK_SUCCESSFUL',
      failedStage: 'PRODUCTION_TRAFFIC_SHIFT',
      cause: 'the hook answered FAILED',
      // ECS alternates the target groups: after v2 on green, v3 runs in blue's.
      newColor: 'blue',
    });
    const failedAt = b.invocations.find((i) => i.hookStatus === 'FAILED')!;
    expect(failedAt.productionPercent).toBe(34);
    expect(b.hookReasons.join(' ')).toMatch(/5xx rate [\d.]+% on green/);
    expect(b.failedRequests).toBeGreaterThan(0);
    expect(b.failedByColor).toEqual({ blue: b.failedRequests, green: 0 });
    expect(b.detectMs).not.toBeNull();
    expect(b.detectMs!).toBeLessThan(15_000);
    expect(b.greenlight).toMatchObject({ deploymentId: 'ecs-native-v3', status: 'ROLLED_BACK' });
    expect(b.greenlight.cause).toMatch(
      /controller reports ROLLBACK_SUCCESSFUL: PRODUCTION_TRAFFIC_SHIFT: the hook answered FAILED/,
    );
    // Greenlight registers no TEST_TRAFFIC_SHIFT hook: only production's reversed shift is re-invoked.
    expect(b.rollbackInvocations).toEqual([{ stage: 'PRODUCTION_TRAFFIC_SHIFT', hookStatus: 'SUCCEEDED' }]);
    expect(b.invocations.filter((i) => i.stage === 'POST_PRODUCTION_TRAFFIC_SHIFT')).toEqual([]);
    expect(printed).toContain(
      'PRODUCTION_TRAFFIC_SHIFT (rollback, reversed weights) production 0%: SUCCEEDED\n',
    );
  });
});
