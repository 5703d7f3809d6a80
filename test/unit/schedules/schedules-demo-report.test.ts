import { demoSchedules, reportRows } from '../../../bin/schedules-demo';

const THREE_AM = Date.UTC(2027, 2, 15, 3);

describe('schedules demo report: the duplicate-delivery case', () => {
  const schedules = demoSchedules(THREE_AM).filter((s) => s.spec.name === 'nightly-digest');
  const duplicateRow = (seen: Parameters<typeof reportRows>[3]) =>
    reportRows(schedules, [], THREE_AM, seen).find((r) => r.case === 'second delivery of the same slot');

  it('says DUPLICATE only when the extra delivery stopped at the claim and one task ran', () => {
    const base = { schedule: 'nightly-digest', slotAt: THREE_AM, deliveries: 2 };
    expect(duplicateRow([{ ...base, recognised: 1, tasksStarted: 1 }])?.outcome).toBe('DUPLICATE');
    expect(duplicateRow([{ ...base, recognised: 1, tasksStarted: 2 }])?.outcome).toBe('RAN_TWICE');
    expect(duplicateRow([{ ...base, recognised: 0, tasksStarted: 1 }])?.outcome).toBe('RAN_TWICE');
    expect(duplicateRow([])?.outcome).toBe('RAN_TWICE');
    expect(duplicateRow([])?.expected).toBe('DUPLICATE');
  });
});
