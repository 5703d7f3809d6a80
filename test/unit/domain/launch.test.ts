import fc from 'fast-check';
import {
  launchReadiness,
  launchStartedAt,
  launchVerdict,
  type LaunchReading,
} from '../../../shared/domain/launch';

const reading = (overrides: Partial<LaunchReading> = {}): LaunchReading => ({
  taskDefinition: 'app:2',
  desiredCount: 2,
  service: { taskDefinition: 'app:2', steady: true, runningCount: 2 },
  healthy: 2,
  ...overrides,
});

describe('launchReadiness', () => {
  it('is ready on the new revision, steady, with a healthy target per desired task', () => {
    // Act
    const readiness = launchReadiness(reading());

    // Assess
    expect(readiness).toEqual({
      ready: true,
      reason: '2/2 tasks running, 2 healthy in the target group',
      rolloutFailed: null,
    });
  });

  it("reports ECS's circuit breaker failing the new revision's rollout, and is never ready then", () => {
    // Prepare
    const reason = 'ECS deployment circuit breaker: tasks failed to start.';
    const failed = reading({
      service: {
        taskDefinition: 'app:1',
        steady: false,
        runningCount: 2,
        failedRollouts: [{ taskDefinition: 'app:2', reason }],
      },
    });

    // Act
    const readiness = launchReadiness(failed);

    // Assess
    expect(readiness.ready).toBe(false);
    expect(readiness.rolloutFailed).toBe(reason);
  });

  it("ignores a FAILED rollout of another revision (an earlier deployment's)", () => {
    // Prepare
    const old = reading({
      service: {
        taskDefinition: 'app:2',
        steady: true,
        runningCount: 2,
        failedRollouts: [{ taskDefinition: 'app:1', reason: 'tasks failed to start' }],
      },
    });

    // Act + Assess
    expect(launchReadiness(old)).toMatchObject({ ready: true, rolloutFailed: null });
  });

  it('is not ready while the service is still on the old revision, and says so', () => {
    // Act
    const readiness = launchReadiness(
      reading({ service: { taskDefinition: 'app:1', steady: true, runningCount: 2 } }),
    );

    // Assess
    expect(readiness).toEqual({
      ready: false,
      reason: '2/2 tasks running, 2 healthy in the target group, service not yet on the new revision',
      rolloutFailed: null,
    });
  });

  it('is not ready while the rollout is not steady or targets are still unhealthy', () => {
    // Act
    const unsteady = launchReadiness(
      reading({ service: { taskDefinition: 'app:2', steady: false, runningCount: 1 } }),
    );
    const unhealthy = launchReadiness(reading({ healthy: 1 }));

    // Assess
    expect(unsteady.ready).toBe(false);
    expect(unsteady.reason).toBe('1/2 tasks running, 2 healthy in the target group');
    expect(unhealthy.ready).toBe(false);
  });

  const readingArb = fc.record({
    taskDefinition: fc.constantFrom('app:1', 'app:2'),
    desiredCount: fc.integer({ min: 1, max: 20 }),
    service: fc.record({
      taskDefinition: fc.constantFrom('app:1', 'app:2', null),
      steady: fc.boolean(),
      runningCount: fc.nat(20),
      failedRollouts: fc.array(
        fc.record({ taskDefinition: fc.constantFrom('app:1', 'app:2', null), reason: fc.constant('failed') }),
        { maxLength: 2 },
      ),
    }),
    healthy: fc.nat(25),
  });

  it('is ready exactly when on the revision, steady, healthy enough and its rollout not failed', () => {
    fc.assert(
      fc.property(readingArb, (r) => {
        const failed = r.service.failedRollouts.some((f) => f.taskDefinition === r.taskDefinition);
        const readiness = launchReadiness(r);

        expect(readiness.ready).toBe(
          !failed &&
            r.service.taskDefinition === r.taskDefinition &&
            r.service.steady &&
            r.healthy >= r.desiredCount,
        );
        expect(readiness.rolloutFailed !== null).toBe(failed);
      }),
    );
  });

  it('never becomes unready with more healthy targets', () => {
    fc.assert(
      fc.property(readingArb, fc.nat(10), (r, more) => {
        if (launchReadiness(r).ready)
          expect(launchReadiness({ ...r, healthy: r.healthy + more }).ready).toBe(true);
      }),
    );
  });
});

describe('launchStartedAt', () => {
  it('is the recorded start, or the deadline less the launch timeout', () => {
    // Assess
    expect(launchStartedAt({ startedAt: 1000, deadlineAt: 31_000 }, 60)).toBe(1000);
    expect(launchStartedAt({ deadlineAt: 31_000 }, 30)).toBe(1000);
  });
});

describe('launchVerdict', () => {
  const waiting = { ready: false, reason: '1/2 tasks running, 0 healthy in the target group' };

  it('keeps waiting before the deadline, naming the failed stops', () => {
    // Act
    const verdict = launchVerdict(waiting, {
      now: 10,
      deadlineAt: 20,
      stops: { failures: 1, reason: '1 green task stopped with a failure' },
    });

    // Assess
    expect(verdict).toEqual({
      ready: false,
      deadlineExceeded: false,
      reason: '1/2 tasks running, 0 healthy in the target group; 1 green task stopped with a failure',
    });
  });

  it('gives up at the deadline, saying so', () => {
    // Act
    const verdict = launchVerdict(waiting, {
      now: 20,
      deadlineAt: 20,
      stops: { failures: 0, reason: 'no green task stopped with a failure' },
    });

    // Assess
    expect(verdict).toEqual({
      ready: false,
      deadlineExceeded: true,
      reason: 'launch deadline passed: 1/2 tasks running, 0 healthy in the target group',
    });
  });

  it('never exceeds the deadline of a ready color, and exceeds it exactly when out of time otherwise', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.nat(100), fc.nat(100), (ready, now, deadlineAt) => {
        const verdict = launchVerdict({ ready, reason: 'r' }, { now, deadlineAt });
        expect(verdict.ready).toBe(ready);
        expect(verdict.deadlineExceeded).toBe(!ready && now >= deadlineAt);
      }),
    );
  });
});
