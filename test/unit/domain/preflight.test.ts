import fc from 'fast-check';
import {
  alarmsToCheck,
  firingAlarmsRefusal,
  missingAlarmsIssues,
  stickinessRefusal,
} from '../../../shared/domain/preflight';

describe('alarmsToCheck', () => {
  it("checks the spec's alarms, none when the start is forced", () => {
    // Prepare
    const spec = { alarms: ['web-5xx', 'web-latency'] };

    // Assess
    expect(alarmsToCheck(spec, false)).toEqual(['web-5xx', 'web-latency']);
    expect(alarmsToCheck(spec, true)).toEqual([]);
    expect(alarmsToCheck({ alarms: [] }, false)).toEqual([]);
  });
});

describe('firingAlarmsRefusal', () => {
  it('names the alarms in ALARM and the way out', () => {
    // Act
    const refusal = firingAlarmsRefusal(['web-5xx', 'web-latency']);

    // Assess
    expect(refusal).toBe(
      'alarms already in ALARM: web-5xx, web-latency; resolve them first or deploy with force',
    );
  });

  it('lets the deployment start when no alarm fires', () => {
    // Assess
    expect(firingAlarmsRefusal([])).toBeNull();
  });

  it('refuses exactly when an alarm fires, naming every one', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[A-Za-z0-9-]{1,20}$/), { maxLength: 5 }), (firing) => {
        const refusal = firingAlarmsRefusal(firing);
        expect(refusal === null).toBe(firing.length === 0);
        for (const alarm of firing) expect(refusal).toContain(alarm);
      }),
    );
  });
});

describe('missingAlarmsIssues', () => {
  it('names each missing alarm by its field in the spec', () => {
    // Act
    const issues = missingAlarmsIssues({ alarms: ['web-5xx', 'web-5xxx', 'web-p99'] }, ['web-5xxx']);

    // Assess
    expect(issues).toEqual([{ path: 'spec.alarms[1]', message: 'no CloudWatch alarm is named "web-5xxx"' }]);
  });

  it('has an issue exactly for each spec alarm reported missing', () => {
    const nameArb = fc.stringMatching(/^[a-z0-9-]{1,12}$/);
    fc.assert(
      fc.property(
        fc.array(nameArb, { maxLength: 6 }),
        fc.array(nameArb, { maxLength: 6 }),
        (alarms, missing) => {
          const issues = missingAlarmsIssues({ alarms }, missing);

          expect(issues.map((i) => i.path)).toEqual(
            alarms.flatMap((name, i) => (missing.includes(name) ? [`spec.alarms[${i}]`] : [])),
          );
        },
      ),
    );
  });
});

describe('stickinessRefusal', () => {
  const LISTENER = 'listener arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web/1/2';

  it('lets a route without stickiness, or one pinned no longer than the settle, through', () => {
    // Assess
    expect(stickinessRefusal({ enabled: false, durationSeconds: 86_400 }, 15, LISTENER)).toBeNull();
    expect(stickinessRefusal({ enabled: true, durationSeconds: 15 }, 15, LISTENER)).toBeNull();
  });

  it('refuses a route that pins clients longer than trafficSettleSeconds, naming the duration and the ways out', () => {
    // Act
    const refusal = stickinessRefusal({ enabled: true, durationSeconds: 3600 }, 15, LISTENER);

    // Assess
    expect(refusal).toBe(
      `${LISTENER} pins clients to a target group for 3600 s (target group stickiness): a rollback would leave ` +
        'clients pinned to the new color after its weight reaches 0, and traffic steps would not move them; ' +
        'set its DurationSeconds to at most trafficSettleSeconds (15), raise trafficSettleSeconds to cover it, ' +
        'or turn target group stickiness off',
    );
  });

  it('refuses exactly when stickiness is on for longer than the settle (or for an unknown time)', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.option(fc.integer({ min: 1, max: 604_800 }), { nil: null }),
        fc.integer({ min: 0, max: 300 }),
        (enabled, durationSeconds, settle) => {
          const refused = stickinessRefusal({ enabled, durationSeconds }, settle, LISTENER) !== null;

          expect(refused).toBe(enabled && (durationSeconds === null || durationSeconds > settle));
        },
      ),
    );
  });
});
