import fc from 'fast-check';
import {
  diffDocuments,
  dryRunPlan,
  withContainerImage,
  type DryRunReadings,
  type TaskDefinitionDocument,
} from '../../../shared/domain/dry-run';
import { InvalidInputError } from '../../../shared/domain/errors';
import {
  HISTORY_EVENT_BUDGET,
  maxHistoryEvents,
  worstCaseSeconds,
} from '../../../shared/domain/history-budget';
import { parseSpec } from '../../fixtures/spec';

const LIVE: TaskDefinitionDocument = {
  family: 'web',
  cpu: '512',
  memory: '1024',
  containerDefinitions: [
    { name: 'app', image: 'registry/web:1', essential: true, environment: [{ name: 'MODE', value: 'prod' }] },
    { name: 'log-router', image: 'fluent-bit:2' },
  ],
};

/** Readings of a quiet service: blue live with 2 tasks on web:41, green at 0, no alarms, no lock. */
function readings(overrides: Partial<DryRunReadings> = {}): DryRunReadings {
  return {
    alarms: { missing: [], firing: [] },
    stickiness: { enabled: false, durationSeconds: null },
    weights: { blue: 100, green: 0 },
    testWeights: null,
    slots: {
      blue: { desiredCount: 2, runningCount: 2, taskDefinition: 'web:41' },
      green: { desiredCount: 0, runningCount: 0, taskDefinition: 'web:40' },
    },
    liveDefinition: LIVE,
    scaling: { blue: null, green: null },
    running: null,
    ...overrides,
  };
}

describe('diffDocuments', () => {
  it('finds nothing between a document and its copy', () => {
    fc.assert(fc.property(fc.jsonValue(), (doc) => diffDocuments(doc, structuredClone(doc)).length === 0));
  });

  it('finds exactly the one leaf that changed, by its path', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.oneof(fc.integer(), fc.string()), { minKeys: 1 }),
        fc.nat(),
        (doc, pick) => {
          const keys = Object.keys(doc);
          const key = keys[pick % keys.length]!;
          const changed = { ...doc, [key]: { replaced: true } };
          expect(diffDocuments(doc, changed)).toEqual([
            { path: key, before: doc[key], after: { replaced: true } },
          ]);
        },
      ),
    );
  });

  it('matches named items (containers, environment variables) by name: a reordering is no change', () => {
    const reordered = {
      ...LIVE,
      containerDefinitions: [...(LIVE.containerDefinitions as unknown[])].reverse(),
    };

    expect(diffDocuments(LIVE, reordered)).toEqual([]);
  });

  it('names added and removed fields with only the side they exist on', () => {
    const { memory: _memory, ...withoutMemory } = LIVE;

    expect(diffDocuments(LIVE, { ...withoutMemory, pidMode: 'task' })).toEqual([
      { path: 'memory', before: '1024' },
      { path: 'pidMode', after: 'task' },
    ]);
  });
});

describe('withContainerImage', () => {
  it('changes only the container’s image, leaving the live definition as it was', () => {
    const before = structuredClone(LIVE);

    const next = withContainerImage(LIVE, 'app', 'registry/web:2');

    expect(diffDocuments(LIVE, next)).toEqual([
      { path: 'containerDefinitions[app].image', before: 'registry/web:1', after: 'registry/web:2' },
    ]);
    expect(LIVE).toEqual(before);
  });

  it('refuses a container the definition does not have, naming spec.container.name', () => {
    expect(() => withContainerImage(LIVE, 'web', 'x')).toThrow(InvalidInputError);
    try {
      withContainerImage(LIVE, 'web', 'x');
    } catch (error) {
      expect((error as InvalidInputError).issues).toEqual([
        {
          path: 'spec.container.name',
          message: expect.stringContaining('its containers are: app, log-router'),
        },
      ]);
    }
  });
});

describe('dryRunPlan', () => {
  const spec = parseSpec({
    alarms: ['web-5xx'],
    plan: {
      steps: [
        { weight: 10, holdSeconds: 60 },
        { weight: 50, holdSeconds: 120, approval: true },
      ],
    },
  });

  it('decides what Prepare would: blue live, green new at 2 tasks, the image diff, the steps and budgets', () => {
    const plan = dryRunPlan({ spec, image: 'registry/web:2', force: false, readings: readings() });

    expect(plan).toMatchObject({
      wouldStart: true,
      refusals: [],
      liveColor: 'blue',
      newColor: 'green',
      weights: { blue: 100, green: 0 },
      desiredCount: 2,
      alarms: [{ name: 'web-5xx', state: 'not in ALARM' }],
      taskDefinition: {
        from: 'web:41',
        changes: [
          { path: 'containerDefinitions[app].image', before: 'registry/web:1', after: 'registry/web:2' },
        ],
      },
      scaling: { blue: 'no scalable target', green: 'no scalable target' },
      worstCaseSeconds: worstCaseSeconds(spec),
      historyEvents: { worstCase: maxHistoryEvents(spec), budget: HISTORY_EVENT_BUDGET },
    });
    expect(plan.steps.map((s) => [s.phase, s.number, s.weight, s.holdSeconds, s.approval])).toEqual([
      ['step', 1, 10, 60, false],
      ['step', 2, 50, 120, true],
      ['bake', 3, 100, spec.bakeSeconds, false],
    ]);
  });

  it('lists every refusal Prepare would raise, and still shows what it could read', () => {
    const plan = dryRunPlan({
      spec,
      image: 'registry/web:2',
      force: false,
      readings: readings({
        alarms: { missing: [], firing: ['web-5xx'] },
        weights: { blue: 60, green: 40 },
        running: { id: 'web-older', step: 'STEP_STARTED: step 1' },
      }),
    });

    expect(plan.wouldStart).toBe(false);
    expect(plan.refusals).toEqual([
      'ServiceStateError: alarms already in ALARM: web-5xx; resolve them first or deploy with force',
      'LockConflictError: service web (cluster local) is being deployed by web-older (STEP_STARTED: step 1)',
      expect.stringContaining('ServiceStateError: traffic is split (blue 60 %, green 40 %)'),
    ]);
    expect(plan.alarms).toEqual([{ name: 'web-5xx', state: 'ALARM' }]);
    expect(plan.liveColor).toBeNull();
    expect(plan.steps).toHaveLength(3);
  });

  it('lets force skip the quiet-alarms check but never the missing-alarms one', () => {
    const firing = dryRunPlan({
      spec,
      image: 'i:2',
      force: true,
      readings: readings({ alarms: { missing: [], firing: ['web-5xx'] } }),
    });
    const missing = dryRunPlan({
      spec,
      image: 'i:2',
      force: true,
      readings: readings({ alarms: { missing: ['web-5xx'], firing: [] } }),
    });

    expect(firing.wouldStart).toBe(true);
    expect(missing.refusals).toEqual([
      'InvalidInputError: spec names alarms that do not exist: spec.alarms[0]: no CloudWatch alarm is named "web-5xx"',
    ]);
    expect(missing.alarms).toEqual([{ name: 'web-5xx', state: 'missing' }]);
  });

  it('reports a reading that failed as a refusal, and an unknown container without a diff', () => {
    const plan = dryRunPlan({
      spec: parseSpec({ container: { name: 'web', port: 8080 } }),
      image: 'i:2',
      force: false,
      readings: readings({
        stickiness: {
          failed: true,
          error: 'ServiceStateError',
          message: 'listener forwards to one target group',
        },
      }),
    });

    expect(plan.refusals).toEqual([
      'ServiceStateError: listener forwards to one target group',
      expect.stringContaining('InvalidInputError: container web is not in the live task definition'),
    ]);
    expect(plan.taskDefinition).toBeNull();
  });

  it('never starts on split traffic, nor beside a live color that runs no tasks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.boolean(), (blue, force) => {
        const plan = dryRunPlan({
          spec,
          image: 'i:2',
          force,
          readings: readings({ weights: { blue, green: 100 - blue } }),
        });
        // Blue runs 2 tasks, green none: only blue at 100 % can start.
        const live = blue === 100 ? 'blue' : blue === 0 ? 'green' : null;
        return plan.liveColor === live && plan.wouldStart === (live === 'blue');
      }),
    );
  });
});
