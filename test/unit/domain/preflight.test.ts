import fc from 'fast-check';
import { alarmsToCheck, firingAlarmsRefusal } from '../../../shared/domain/preflight';

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
