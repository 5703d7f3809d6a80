import fc from 'fast-check';
import {
  abandonedError,
  buildListenerRestoredMessage,
  buildOutcomeMessage,
  buildRepairMessage,
  listenerRestoredEventMessage,
  outcomeEventMessage,
  repairEventMessage,
  retireWarning,
  type Repair,
} from '../../../shared/domain/deployment-message';
import { OUTCOMES, type DeploymentEnd } from '../../../shared/domain/end-state';

const NOW = Date.UTC(2024, 5, 1, 12, 0, 0);

const promoted: DeploymentEnd = {
  outcome: 'PROMOTED',
  id: 'web-1',
  service: 'web',
  cluster: 'prod',
  image: 'web:2',
  requestedBy: 'alice',
  colors: { live: 'blue', new: 'green' },
  startedAt: NOW - 90_400,
  lastStep: { phase: 'bake', index: 3, weight: 100 },
};

describe('buildOutcomeMessage', () => {
  it('words a promotion: subject, body, attributes for filter policies and the detail', () => {
    // Act
    const message = buildOutcomeMessage(promoted, NOW);

    // Assess
    expect(message).toEqual({
      id: 'web-1/PROMOTED',
      subject: 'greenlight: web promoted (web:2)',
      message: [
        'Deployment web-1 of web on cluster prod: PROMOTED.',
        'Image: web:2',
        'Live color before: blue; new color: green',
        'Duration: 90 s',
      ].join('\n'),
      attributes: { event: 'deployment', outcome: 'PROMOTED', service: 'web', cluster: 'prod' },
      detail: {
        deploymentId: 'web-1',
        outcome: 'PROMOTED',
        service: 'web',
        cluster: 'prod',
        image: 'web:2',
        error: null,
        warning: null,
        lastStep: { phase: 'bake', index: 3, weight: 100 },
        durationMs: 90_400,
      },
    });
  });

  it('names the cause and where a rolled-back deployment ended', () => {
    // Prepare
    const end: DeploymentEnd = {
      ...promoted,
      outcome: 'ROLLED_BACK',
      error: { error: 'GateFailedError', cause: '5xx 4 %' },
      lastStep: { phase: 'step', index: 1, weight: 25 },
    };

    // Act
    const message = buildOutcomeMessage(end, NOW);

    // Assess
    expect(message.subject).toBe('greenlight: web rolled back (web:2)');
    expect(message.message.split('\n').slice(-2)).toEqual([
      'Cause: GateFailedError: 5xx 4 %',
      'Ended in: step 2 (25 % on the new color)',
    ]);
  });

  it('asks for action after a failed rollback, and carries the warning', () => {
    // Prepare
    const end: DeploymentEnd = {
      ...promoted,
      outcome: 'ROLLBACK_FAILED',
      warning: 'scale it by hand',
      lastStep: { phase: 'bake', index: 3, weight: 100 },
    };

    // Act
    const message = buildOutcomeMessage(end, NOW);

    // Assess
    expect(message.subject).toBe('greenlight: web rollback failed (web:2)');
    expect(message.message.split('\n').slice(-3)).toEqual([
      'Ended in: the bake (100 % on the new color)',
      'WARNING: scale it by hand',
      'ACTION NEEDED: traffic may not be on a healthy color; the service stays locked.',
    ]);
    expect(message.detail.warning).toBe('scale it by hand');
  });

  it('still says something when nothing could be read of the deployment', () => {
    // Act
    const message = buildOutcomeMessage(
      { outcome: 'REJECTED', image: 'unknown', requestedBy: 'unknown' },
      NOW,
    );

    // Assess
    expect(message.id).toBe('unknown/REJECTED');
    expect(message.subject).toBe('greenlight: unknown service rejected (unknown)');
    expect(message.message).toBe(
      'Deployment (no id) of an unknown service on cluster unknown: REJECTED.\nImage: unknown\nDuration: 0 s',
    );
    expect(message.attributes).toEqual({
      event: 'deployment',
      outcome: 'REJECTED',
      service: 'unknown',
      cluster: 'unknown',
    });
  });

  it('keys every message by deployment and outcome, with string attributes only', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...OUTCOMES),
        fc.option(fc.stringMatching(/^[A-Za-z0-9_-]{1,80}$/), { nil: undefined }),
        fc.option(fc.string({ minLength: 1 }), { nil: undefined }),
        fc.nat(10_000_000),
        (outcome, id, service, elapsed) => {
          const end: DeploymentEnd = {
            outcome,
            image: 'web:2',
            requestedBy: 'unknown',
            startedAt: NOW - elapsed,
            ...(id ? { id } : {}),
            ...(service ? { service } : {}),
          };
          const message = buildOutcomeMessage(end, NOW);
          expect(message.id).toBe(`${id ?? 'unknown'}/${outcome}`);
          expect(Object.values(message.attributes).every((v) => typeof v === 'string')).toBe(true);
          expect(message.detail.durationMs).toBe(elapsed);
          expect(message.message.includes('ACTION NEEDED')).toBe(outcome === 'ROLLBACK_FAILED');
        },
      ),
    );
  });
});

describe('outcomeEventMessage', () => {
  it('is the outcome, followed by the error when there is one', () => {
    // Act
    const plain = outcomeEventMessage({ outcome: 'PROMOTED' });
    const failed = outcomeEventMessage({ outcome: 'ROLLED_BACK', error: { error: 'E', cause: 'why' } });

    // Assess
    expect(plain).toBe('PROMOTED');
    expect(failed).toBe('ROLLED_BACK: E: why');
  });
});

describe('retireWarning', () => {
  it('says the old color is still up and what to do', () => {
    // Assess
    expect(retireWarning({ error: 'ServiceStateError', cause: 'web-blue still wants 2 tasks' })).toBe(
      'the old color could not be scaled down (ServiceStateError: web-blue still wants 2 tasks); scale it to 0 by hand',
    );
  });
});

describe('repair texts', () => {
  const repair: Repair = {
    deploymentId: 'web-1',
    service: 'web',
    cluster: 'prod',
    repairedBy: 'web-2',
    live: 'blue',
    idle: 'green',
    testListeners: false,
  };

  it('close the abandoned record with what was done', () => {
    // Assess
    expect(abandonedError(repair)).toEqual({
      error: 'Abandoned',
      cause:
        'the deployment stopped without finishing (lock lease expired); web-2 restored 100 % on blue and scaled green to 0',
    });
    expect(repairEventMessage(repair)).toBe(
      'stopped without finishing; web-2 restored 100 % on blue and scaled green to 0',
    );
  });

  it('notify who repaired, onto which color, filterable as a repair', () => {
    // Act
    const message = buildRepairMessage({ ...repair, testListeners: true });

    // Assess
    expect(message).toEqual({
      id: 'web-1/REPAIRED',
      subject: 'greenlight: web repaired after an unfinished deployment',
      message:
        'Deployment web-1 of web on prod stopped without finishing. Before starting web-2, Greenlight restored 100 % of traffic on blue (production and test listeners) and scaled green to 0.',
      attributes: { event: 'repair', outcome: 'REPAIRED', service: 'web', cluster: 'prod' },
      detail: { deploymentId: 'web-1', repairedBy: 'web-2', live: 'blue', idle: 'green' },
    });
  });

  it('name the test listeners only when they were restored too', () => {
    // Assess
    expect(repairEventMessage({ ...repair, testListeners: true })).toContain(
      '(production and test listeners)',
    );
    expect(buildRepairMessage(repair).message).not.toContain('test listeners');
  });
});

describe('listener restore texts', () => {
  it('say what reconcile found and restored, keyed by the weights it found', () => {
    // Prepare
    const restore = {
      service: 'web',
      cluster: 'prod',
      deploymentId: 'web-1',
      live: 'green' as const,
      found: { blue: 40, green: 60 },
    };

    // Act
    const line = listenerRestoredEventMessage(restore);
    const message = buildListenerRestoredMessage(restore);

    // Assess
    expect(line).toBe(
      "reconcile found web's listener at 40/60 (blue/green) with no deployment running and restored 100 % on green",
    );
    expect(message).toEqual({
      id: 'web-1/LISTENER_RESTORED/40-60',
      subject: 'greenlight: web listener restored to green',
      message: `${line}, the color deployment web-1 left live.`,
      attributes: { event: 'repair', outcome: 'LISTENER_RESTORED', service: 'web', cluster: 'prod' },
      detail: { deploymentId: 'web-1', found: { blue: 40, green: 60 }, live: 'green' },
    });
  });
});
