import { changeLines, formatPlan } from '../../../bin/plan-view';
import { dryRunPlan } from '../../../shared/domain/dry-run';
import { parseSpec } from '../../fixtures/spec';

const spec = parseSpec({
  alarms: ['web-5xx'],
  plan: {
    steps: [
      { weight: 10, holdSeconds: 60 },
      { weight: 50, holdSeconds: 120, approval: true },
    ],
  },
  bakeSeconds: 300,
});

function plan(weights = { blue: 100, green: 0 }) {
  return dryRunPlan({
    spec,
    image: 'registry/web:2',
    force: false,
    readings: {
      alarms: { missing: [], firing: [] },
      stickiness: { enabled: false, durationSeconds: null },
      weights,
      testWeights: null,
      slots: {
        blue: { desiredCount: 2, runningCount: 2, taskDefinition: 'web:41' },
        green: { desiredCount: 0, runningCount: 0, taskDefinition: 'web:40' },
      },
      liveDefinition: { family: 'web', containerDefinitions: [{ name: 'app', image: 'registry/web:1' }] },
      scaling: { blue: null, green: null },
      running: null,
    },
  });
}

describe('formatPlan', () => {
  it('prints the verdict, what was read, the image diff, the steps and the budgets', () => {
    const text = formatPlan(plan());

    expect(text).toMatch(/^plan: web \(cluster local\) would deploy registry\/web:2 — nothing was changed\n/);
    expect(text).toContain('colors     blue live → green new, brought up to 2 task(s)\n');
    expect(text).toContain('blue       web-blue: 2/2 running on web:41; scaling no scalable target\n');
    expect(text).toContain('alarms     web-5xx (not in ALARM)\n');
    expect(text).toContain(
      'task definition: a new revision copied from web:41\n' +
        '  - containerDefinitions[app].image: registry/web:1\n' +
        '  + containerDefinitions[app].image: registry/web:2\n',
    );
    expect(text).toMatch(
      /\n1 +10 % +1 min 00 s +sequential, every 10 s, timeout 15 min 00 s +5xx ≤ 1\.00 %, p99 ≤ 1000 ms, ≥ 20 req\n/,
    );
    expect(text).toMatch(/\n2 +50 % +2 min 00 s +.* yes\n/);
    expect(text).toMatch(/\nbake +100 % +5 min 00 s/);
    expect(text).toMatch(/\nhistory {4}\d+ of 20000 Step Functions history events at most \(\d+\.\d %\)\n$/);
  });

  it('puts the refusals first when the deployment would be refused', () => {
    const text = formatPlan(plan({ blue: 50, green: 50 }));

    expect(text.split('\n').slice(0, 2)).toEqual([
      'plan: web (cluster local) would be REFUSED — nothing was changed',
      expect.stringMatching(/^ {2}refused {2}ServiceStateError: traffic is split \(blue 50 %, green 50 %\)/),
    ]);
  });
});

describe('changeLines', () => {
  it('shows removed fields with -, added ones with +, a changed one with both', () => {
    expect(
      changeLines([
        { path: 'memory', before: '1024' },
        { path: 'pidMode', after: 'task' },
        { path: 'cpu', before: '256', after: '512' },
      ]),
    ).toEqual(['- memory: 1024', '+ pidMode: task', '- cpu: 256', '+ cpu: 512']);
  });
});
