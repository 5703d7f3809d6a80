import fc from 'fast-check';
import { classifyStop, stopCause } from '../../../shared/domain/alerts/classify';
import { parseTaskEvent } from '../../../shared/domain/alerts/task-event';
import {
  classifyTaskStops,
  crashLoopThreshold,
  judgeLaunchStops,
  judgeTaskStops,
  type StoppedTask,
} from '../../../shared/domain/gate';
import { EVENT_FIXTURES, loadEvent } from '../../fixtures/ecs-events';

const SCOPE = { cluster: 'prod', service: 'web-green', color: 'green' };
const ZERO = { maxTaskStops: 0 };
const T0 = Date.UTC(2026, 0, 1, 12);
let sequence = 0;

/** A stopped task of web-green, as DescribeTasks reports it. */
function stop(fields: Partial<StoppedTask> = {}): StoppedTask {
  sequence += 1;
  return {
    id: `arn:aws:ecs:eu-west-1:123456789012:task/prod/${sequence.toString(16).padStart(32, '0')}`,
    stoppedAt: T0 + sequence,
    containers: [],
    ...fields,
  };
}

const oom = () =>
  stop({
    stopCode: 'EssentialContainerExited',
    stoppedReason: 'Essential container in task exited',
    containers: [
      { name: 'app', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' },
    ],
  });
const exited = (exitCode: number) =>
  stop({
    stopCode: 'EssentialContainerExited',
    stoppedReason: 'Essential container in task exited',
    containers: [
      { name: 'app', exitCode },
      { name: 'log-router', exitCode: 143 },
    ],
  });
const elbHealthCheck = () =>
  stop({
    stopCode: 'ServiceSchedulerInitiated',
    stoppedReason:
      'Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-green/fedcba9876543210)',
    containers: [{ name: 'app', exitCode: 0 }],
  });
const failedToStart = () =>
  stop({
    stopCode: 'TaskFailedToStart',
    stoppedReason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s): not found',
  });
const scaleIn = () =>
  stop({
    stopCode: 'ServiceSchedulerInitiated',
    stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/4700000000000000001)',
    containers: [{ name: 'app', exitCode: 0 }],
  });
const userStop = () => stop({ stopCode: 'UserInitiated', stoppedReason: 'Task stopped by user' });
const spotReclaim = () =>
  stop({
    stopCode: 'SpotInterruption',
    stoppedReason: 'Your Spot Task was interrupted.',
    containers: [{ name: 'app', exitCode: 143 }],
  });
const hostTerminated = () =>
  stop({
    stopCode: 'TerminationNotice',
    stoppedReason: 'Host EC2 (instance i-0a1b2c3d4e5f67890) stopped/terminated.',
  });
const fargateRetirement = () =>
  stop({
    stopCode: 'ServiceSchedulerInitiated',
    stoppedReason:
      'Service web-green: ECS is performing maintenance on the underlying infrastructure hosting the task',
  });
const azRebalancing = () =>
  stop({ stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Task stopped due to AZ rebalancing' });

/** Every kind of stop, failing or expected. */
const stopArb = fc.constantFrom(oom, () => exited(1), elbHealthCheck, failedToStart, scaleIn, userStop);
const stopsArb = fc.array(stopArb, { maxLength: 12 }).map((makers) => makers.map((make) => make()));
/** Stops AWS's infrastructure made. */
const infraArb = fc.constantFrom(spotReclaim, hostTerminated, fargateRetirement, azRebalancing);
const infraStopsArb = fc.array(infraArb, { maxLength: 12 }).map((makers) => makers.map((make) => make()));

describe('judgeTaskStops', () => {
  it('passes when no task stopped', () => {
    expect(judgeTaskStops(ZERO, [], SCOPE)).toEqual({
      verdict: 'pass',
      reasons: ['no green task stopped'],
      infrastructureStops: 0,
    });
  });

  it('fails on one crash with the default maxTaskStops 0, naming the count, the limit and the cause', () => {
    expect(judgeTaskStops(ZERO, [exited(1)], SCOPE)).toEqual({
      verdict: 'fail',
      reasons: ['1 green task stopped with a failure > 0 allowed: 1× essential container exited (exit 1)'],
      infrastructureStops: 0,
    });
  });

  it('counts Spot reclaims, host terminations, retirement and AZ rebalancing apart, and passes with maxTaskStops 0', () => {
    const stops = [spotReclaim(), spotReclaim(), hostTerminated(), fargateRetirement(), azRebalancing()];

    expect(judgeTaskStops(ZERO, stops, SCOPE)).toEqual({
      verdict: 'pass',
      reasons: [
        'no green task stopped with a failure (5 infrastructure stops: 2× Spot interruption, ' +
          '2× host terminated or retired, 1× AZ rebalancing)',
      ],
      infrastructureStops: 5,
    });
  });

  it('still fails on a crash beside infrastructure stops, naming both', () => {
    expect(judgeTaskStops(ZERO, [spotReclaim(), exited(1)], SCOPE)).toEqual({
      verdict: 'fail',
      reasons: [
        '1 green task stopped with a failure > 0 allowed: 1× essential container exited (exit 1) ' +
          '(1 infrastructure stop: 1× Spot interruption)',
      ],
      infrastructureStops: 1,
    });
  });

  it('fails a storm of infrastructure stops above maxInfrastructureStops, naming the limit', () => {
    const gate = { maxTaskStops: 0, maxInfrastructureStops: 2 };

    expect(judgeTaskStops(gate, [spotReclaim(), spotReclaim(), spotReclaim()], SCOPE)).toEqual({
      verdict: 'fail',
      reasons: [
        'no green task stopped with a failure',
        '3 green tasks stopped by the infrastructure > 2 allowed (maxInfrastructureStops): 3× Spot interruption',
      ],
      infrastructureStops: 3,
    });
    expect(judgeTaskStops(gate, [spotReclaim(), spotReclaim()], SCOPE)).toEqual({
      verdict: 'pass',
      reasons: [
        'no green task stopped with a failure (2 infrastructure stops ≤ 2 allowed: 2× Spot interruption)',
      ],
      infrastructureStops: 2,
    });
  });

  it('never fails on infrastructure stops when maxInfrastructureStops is null (the default)', () => {
    fc.assert(
      fc.property(infraStopsArb, (stops) => {
        expect(judgeTaskStops({ maxTaskStops: 0, maxInfrastructureStops: null }, stops, SCOPE).verdict).toBe(
          'pass',
        );
      }),
    );
  });

  it('adding infrastructure stops never turns a pass into a fail below the limit, and never a fail into a pass', () => {
    fc.assert(
      fc.property(
        stopsArb,
        infraStopsArb,
        fc.integer({ min: 0, max: 5 }),
        fc.option(fc.integer({ min: 0, max: 15 }), { nil: null }),
        (stops, infra, maxTaskStops, maxInfrastructureStops) => {
          const gate = { maxTaskStops, maxInfrastructureStops };
          const before = judgeTaskStops(gate, stops, SCOPE);
          const mixed = [...stops, ...infra].sort((a, b) => a.stoppedAt - b.stoppedAt);

          const after = judgeTaskStops(gate, mixed, SCOPE);

          expect(after.infrastructureStops).toBe(infra.length);
          if (maxInfrastructureStops === null || infra.length <= maxInfrastructureStops) {
            expect(after.verdict).toBe(before.verdict);
          } else {
            expect(after.verdict).toBe('fail');
          }
        },
      ),
    );
  });

  it('never counts an infrastructure stop towards a crash loop at launch', () => {
    const result = judgeLaunchStops(
      [spotReclaim(), spotReclaim(), hostTerminated(), azRebalancing()],
      SCOPE,
      1,
    );

    expect(result).toEqual({ crashLoop: false, failures: 0, reason: 'no green task stopped with a failure' });
  });

  it('counts each cause with its exit code, most frequent first', () => {
    const result = judgeTaskStops(
      ZERO,
      [oom(), exited(1), exited(1), elbHealthCheck(), failedToStart()],
      SCOPE,
    );

    expect(result).toEqual({
      verdict: 'fail',
      reasons: [
        '5 green tasks stopped with a failure > 0 allowed: 2× essential container exited (exit 1), ' +
          '1× out of memory (exit 137), 1× failed ELB health checks, 1× image pull failure',
      ],
      infrastructureStops: 0,
    });
  });

  it('blames the container that exited, not the sidecar ECS stopped after it', () => {
    const reason = judgeTaskStops(ZERO, [exited(2)], SCOPE).reasons[0];

    expect(reason).toContain('1× essential container exited (exit 2)');
    expect(reason).not.toContain('exit 143');
  });

  it('ignores expected stops (scale-in, deployment replacement, StopTask) and says how many', () => {
    expect(judgeTaskStops(ZERO, [scaleIn(), scaleIn(), userStop()], SCOPE)).toEqual({
      verdict: 'pass',
      reasons: [
        'no green task stopped with a failure (3 expected stops: 2× scale-in or deployment, 1× stopped by a user)',
      ],
      infrastructureStops: 0,
    });
  });

  it('passes failures up to maxTaskStops, and names the expected stops beside them', () => {
    expect(judgeTaskStops({ maxTaskStops: 2 }, [exited(1), scaleIn(), oom()], SCOPE)).toEqual({
      verdict: 'pass',
      reasons: [
        '2 green tasks stopped with a failure ≤ 2 allowed: 1× essential container exited (exit 1), ' +
          '1× out of memory (exit 137) (1 expected stop: 1× scale-in or deployment)',
      ],
      infrastructureStops: 0,
    });
  });

  it("counts a service task's exit 0 as a failure: a service's containers are meant to keep running", () => {
    expect(judgeTaskStops(ZERO, [exited(0)], SCOPE)).toMatchObject({
      verdict: 'fail',
      reasons: ['1 green task stopped with a failure > 0 allowed: 1× essential container exited (exit 0)'],
    });
  });

  it('fails exactly when the failing stops exceed maxTaskStops', () => {
    fc.assert(
      fc.property(stopsArb, fc.integer({ min: 0, max: 15 }), (stops, maxTaskStops) => {
        const failures = classifyTaskStops(stops, SCOPE).failures.length;

        const result = judgeTaskStops({ maxTaskStops }, stops, SCOPE);

        expect(result.verdict).toBe(failures > maxTaskStops ? 'fail' : 'pass');
        expect(result.reasons).toHaveLength(1);
      }),
    );
  });

  it('never passes more often with more stops or a lower maxTaskStops', () => {
    fc.assert(
      fc.property(
        stopsArb,
        stopsArb,
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 0, max: 5 }),
        (stops, more, maxTaskStops, lower) => {
          const passes = (gate: { maxTaskStops: number }, s: StoppedTask[]) =>
            judgeTaskStops(gate, s, SCOPE).verdict === 'pass';

          const withMore = passes({ maxTaskStops }, [...stops, ...more]);
          const withLower = passes({ maxTaskStops: Math.max(0, maxTaskStops - lower) }, stops);

          if (withMore || withLower) expect(passes({ maxTaskStops }, stops)).toBe(true);
        },
      ),
    );
  });

  it('judges a stop as the stopped-task alerts classify it (every service fixture event)', () => {
    const serviceEvents = EVENT_FIXTURES.map(loadEvent).filter((e) => e.detail.group?.startsWith('service:'));
    expect(serviceEvents.length).toBeGreaterThan(5);
    for (const event of serviceEvents) {
      const parsed = parseTaskEvent(event);
      if (!parsed.ok) throw new Error(`fixture ${event.detail.taskArn} does not parse`);
      const task: StoppedTask = {
        id: event.detail.taskArn,
        stoppedAt: T0,
        ...(event.detail.stopCode ? { stopCode: event.detail.stopCode } : {}),
        ...(event.detail.stoppedReason ? { stoppedReason: event.detail.stoppedReason } : {}),
        containers: event.detail.containers.map((c) => ({
          name: c.name,
          ...(c.exitCode === undefined ? {} : { exitCode: c.exitCode }),
          ...(c.reason === undefined ? {} : { reason: c.reason }),
        })),
      };
      const scope = { cluster: parsed.stop.cluster, service: parsed.stop.service!, color: 'green' };

      const { failures, infrastructure, expected } = classifyTaskStops([task], scope);
      const cause =
        failures.length === 1 ? 'failure' : infrastructure.length === 1 ? 'infrastructure' : 'expected';

      expect({ event: event.detail.stopCode, cause }).toEqual({
        event: event.detail.stopCode,
        cause: stopCause(classifyStop(parsed.stop)),
      });
      expect(failures.length + infrastructure.length + expected.length).toBe(1);
    }
  });
});

describe('judgeLaunchStops', () => {
  it('uses the ECS circuit breaker threshold: half the desired count, at least 3, at most 200', () => {
    expect([1, 2, 6, 7, 10, 399, 400, 1000].map(crashLoopThreshold)).toEqual([3, 3, 3, 4, 5, 200, 200, 200]);
  });

  it('is no crash loop below the threshold, and says what stopped', () => {
    expect(judgeLaunchStops([exited(1), exited(1), scaleIn()], SCOPE, 2)).toEqual({
      crashLoop: false,
      failures: 2,
      reason:
        '2 green tasks stopped with a failure since the launch began (< 3, the crash-loop threshold for 2 tasks): ' +
        '2× essential container exited (exit 1)',
    });
  });

  it('is a crash loop at the threshold, naming the count, the threshold and the causes', () => {
    expect(judgeLaunchStops([exited(1), oom(), exited(1)], SCOPE, 1)).toEqual({
      crashLoop: true,
      failures: 3,
      reason:
        '3 green tasks stopped with a failure since the launch began (≥ 3, the crash-loop threshold for 1 task): ' +
        '2× essential container exited (exit 1), 1× out of memory (exit 137)',
    });
  });

  it('never counts expected stops towards a crash loop', () => {
    const result = judgeLaunchStops([scaleIn(), scaleIn(), scaleIn(), userStop()], SCOPE, 1);

    expect(result).toEqual({ crashLoop: false, failures: 0, reason: 'no green task stopped with a failure' });
  });

  it('is a crash loop exactly when the failing stops reach the threshold', () => {
    fc.assert(
      fc.property(stopsArb, fc.integer({ min: 1, max: 500 }), (stops, desiredCount) => {
        const failures = classifyTaskStops(stops, SCOPE).failures.length;

        const result = judgeLaunchStops(stops, SCOPE, desiredCount);

        expect(result.crashLoop).toBe(failures >= crashLoopThreshold(desiredCount));
        expect(result.failures).toBe(failures);
      }),
    );
  });
});
