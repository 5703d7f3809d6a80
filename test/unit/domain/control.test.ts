import fc from 'fast-check';
import { awaitsApproval, controlRefusal, withApproval } from '../../../shared/domain/control';
import {
  CONTROL_ACTIONS,
  type DeploymentRecord,
  type DeploymentStatus,
} from '../../../shared/domain/deployment';
import { parseSpec } from '../../fixtures/spec';

const spec = parseSpec({
  plan: {
    steps: [{ weight: 5 }, { weight: 25, approval: true }, { weight: 50 }, { weight: 75, approval: true }],
  },
});

const record = (overrides: Partial<DeploymentRecord> = {}): DeploymentRecord => ({
  id: 'web-1',
  service: 'web',
  cluster: 'local',
  image: 'web:2',
  requestedBy: 'alice',
  status: 'IN_PROGRESS',
  startedAt: 0,
  spec,
  currentStep: { phase: 'step', index: 1, weight: 25 },
  ...overrides,
});

const ENDED: DeploymentStatus[] = ['PROMOTED', 'ROLLED_BACK', 'REJECTED', 'ROLLBACK_FAILED'];

describe('controlRefusal', () => {
  it('accepts an approval of a step that waits for one', () => {
    // Assess
    expect(controlRefusal(record(), 'approve')).toBeNull();
  });

  it('refuses any command to a finished deployment', () => {
    // Act
    const refusal = controlRefusal(record({ status: 'PROMOTED' }), 'abort');

    // Assess
    expect(refusal).toBe('deployment web-1 has already ended (PROMOTED): nothing to abort');
  });

  it('refuses an approval of a driven deployment and names promote, which ends its controller’s wait', () => {
    const driven = parseSpec({
      controller: 'ecs',
      ecs: {
        service: 'web-ecs',
        hookFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:greenlight-prod-ecs-hook',
        hookRoleArn: 'arn:aws:iam::123456789012:role/greenlight-prod-ecs-hook-invoke',
      },
      plan: { preset: 'all-at-once' },
    });
    expect(controlRefusal(record({ spec: driven, currentStep: undefined }), 'approve')).toBe(
      "deployment web-1 is driven by ecs, whose plan has no approval steps: a wait it is held at (CodeDeploy's READY_WAIT, an ECS PAUSE hook) ends with promote",
    );
    expect(controlRefusal(record({ spec: driven, currentStep: undefined }), 'promote')).toBeNull();
  });

  it('refuses an approval outside the plan steps', () => {
    // Act
    const inBake = controlRefusal(
      record({ currentStep: { phase: 'bake', index: 4, weight: 100 } }),
      'approve',
    );
    const notStarted = controlRefusal(record({ currentStep: undefined }), 'approve');

    // Assess
    expect(inBake).toBe('deployment web-1 is not at a plan step: nothing to approve');
    expect(notStarted).toBe('deployment web-1 is not at a plan step: nothing to approve');
  });

  it('refuses an approval of a step that needs none, naming the later steps that will wait', () => {
    // Act
    const first = controlRefusal(record({ currentStep: { phase: 'step', index: 0, weight: 5 } }), 'approve');
    const third = controlRefusal(record({ currentStep: { phase: 'step', index: 2, weight: 50 } }), 'approve');

    // Assess
    expect(first).toBe(
      'deployment web-1 is at step 1, which needs no approval; step 2, 4 will wait for one: approve when it does',
    );
    expect(third).toBe(
      'deployment web-1 is at step 3, which needs no approval; step 4 will wait for one: approve when it does',
    );
  });

  it('says there is nothing to approve when no later step waits', () => {
    // Prepare
    const noApprovals = parseSpec({ plan: { steps: [{ weight: 5 }, { weight: 25 }] } });

    // Act
    const refusal = controlRefusal(record({ spec: noApprovals }), 'approve');

    // Assess
    expect(refusal).toBe('deployment web-1 is at step 2, which needs no approval: nothing to approve');
  });

  it('accepts an approval at any plan step when the record does not know its plan', () => {
    // Assess
    expect(
      controlRefusal(
        record({ spec: undefined, currentStep: { phase: 'step', index: 0, weight: 5 } }),
        'approve',
      ),
    ).toBeNull();
  });

  it('accepts every command but approve at any point of a running deployment, and none once it ended', () => {
    const stepArb = fc.option(
      fc.record({
        phase: fc.constantFrom<'step' | 'bake'>('step', 'bake'),
        index: fc.nat(5),
        weight: fc.nat(100),
      }),
      { nil: undefined },
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...CONTROL_ACTIONS),
        fc.constantFrom<DeploymentStatus>('IN_PROGRESS', ...ENDED),
        stepArb,
        (action, status, currentStep) => {
          const refusal = controlRefusal(record({ status, currentStep }), action);
          if (status !== 'IN_PROGRESS') expect(refusal).toContain('has already ended');
          else if (action !== 'approve') expect(refusal).toBeNull();
          else
            expect(refusal === null).toBe(
              currentStep?.phase === 'step' && spec.plan.steps[currentStep.index]?.approval === true,
            );
        },
      ),
    );
  });
});

describe('withApproval', () => {
  it('adds the step once, keeping the steps approved before', () => {
    // Assess
    expect(withApproval(undefined, 1)).toEqual([1]);
    expect(withApproval([1, 3], 3)).toEqual([1, 3]);
    expect(withApproval([1], 3)).toEqual([1, 3]);
  });

  it('always holds the step, every step approved before, and no step twice', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(10)), fc.nat(10), (before, index) => {
        const after = withApproval(before, index);
        expect(after).toContain(index);
        for (const step of before) expect(after).toContain(step);
        expect(new Set(after).size).toBe(after.length);
      }),
    );
  });
});

describe('awaitsApproval', () => {
  it('holds at a step that waits for an approval not given yet', () => {
    // Assess
    expect(awaitsApproval(record())).toBe(true);
  });

  it('ends once the step is approved, and never holds at a step that needs none or after the end', () => {
    // Assess
    expect(awaitsApproval(record({ approvedSteps: [1] }))).toBe(false);
    expect(awaitsApproval(record({ currentStep: { phase: 'step', index: 2, weight: 50 } }))).toBe(false);
    expect(awaitsApproval(record({ status: 'ROLLED_BACK' }))).toBe(false);
    expect(awaitsApproval(record({ currentStep: { phase: 'bake', index: 4, weight: 100 } }))).toBe(false);
  });
});
