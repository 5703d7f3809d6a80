import {
  categorySummary,
  digestHeadline,
  digestSeverity,
  hasUnreportedStops,
  isDigestCount,
  planNotifications,
  type WindowSnapshot,
} from '../../../shared/domain/alerts/window';

const T0 = Date.UTC(2026, 2, 2, 10, 0, 0);

function window(overrides: Partial<WindowSnapshot> = {}): WindowSnapshot {
  return {
    startedAt: T0,
    lastAt: T0 + 10 * 60_000,
    count: 37,
    categories: { 'out-of-memory': 37 },
    lastCategory: 'out-of-memory',
    lastExitCode: 137,
    lastContainer: 'app',
    ...overrides,
  };
}

describe('isDigestCount', () => {
  it('is true at threshold × 10^k only', () => {
    // Act
    const counts = Array.from({ length: 600 }, (_, i) => i + 1).filter((n) => isDigestCount(n, 5));

    // Assess
    expect(counts).toEqual([5, 50, 500]);
  });
});

describe('hasUnreportedStops', () => {
  it('is false when the last stop of the window sent a message', () => {
    // Act + Assess
    expect([1, 2, 5, 6, 37, 50].map((n) => hasUnreportedStops(n, 5))).toEqual([
      false,
      true,
      false,
      true,
      true,
      false,
    ]);
  });
});

describe('planNotifications', () => {
  it('alerts on the first stop of a window', () => {
    // Act
    const plan = planNotifications({ window: window({ count: 1 }), closed: null }, 5);

    // Assess
    expect(plan).toEqual({ alert: true, digest: null, finalDigest: null });
  });

  it('only counts stops between thresholds', () => {
    // Act
    const plan = planNotifications({ window: window({ count: 4 }), closed: null }, 5);

    // Assess
    expect(plan).toEqual({ alert: false, digest: null, finalDigest: null });
  });

  it('sends a digest when the count reaches the threshold', () => {
    // Prepare
    const current = window({ count: 5 });

    // Act
    const plan = planNotifications({ window: current, closed: null }, 5);

    // Assess
    expect(plan).toEqual({ alert: false, digest: current, finalDigest: null });
  });

  it("sends the closed window's final tally with the first alert of the next window", () => {
    // Prepare
    const closed = window({ count: 37 });

    // Act
    const plan = planNotifications({ window: window({ count: 1 }), closed }, 5);

    // Assess
    expect(plan).toEqual({ alert: true, digest: null, finalDigest: closed });
  });

  it('sends no final tally when the closed window was fully reported', () => {
    // Act
    const single = planNotifications({ window: window({ count: 1 }), closed: window({ count: 1 }) }, 5);
    const atThreshold = planNotifications({ window: window({ count: 1 }), closed: window({ count: 50 }) }, 5);

    // Assess
    expect(single.finalDigest).toBeNull();
    expect(atThreshold.finalDigest).toBeNull();
  });
});

describe('digestHeadline', () => {
  it('reads like a person wrote it', () => {
    // Act + Assess
    expect(digestHeadline('web', window())).toBe(
      'web: 37 tasks stopped in 10 min, all out of memory, last exit 137',
    );
  });

  it('lists the main categories of a mixed window and omits an unknown exit code', () => {
    // Prepare
    const mixed = window({
      count: 10,
      categories: {
        'out-of-memory': 5,
        'elb-health-check': 2,
        'image-pull-failure': 1,
        'spot-interruption': 1,
        unknown: 1,
      },
      lastExitCode: null,
      lastAt: T0 + 90_000,
    });

    // Act
    const headline = digestHeadline('web', mixed);

    // Assess
    expect(headline).toBe(
      'web: 10 tasks stopped in 2 min, 5 out of memory, 2 failed ELB health checks, 1 image pull failure, 2 other',
    );
  });
});

describe('categorySummary', () => {
  it('says "all" for a single category', () => {
    // Act + Assess
    expect(categorySummary(window({ categories: { 'essential-container-exited': 3 } }))).toBe(
      'all essential container exited',
    );
  });
});

describe('digestSeverity', () => {
  it('escalates a loop of high-severity stops to critical, not a loop of low ones', () => {
    // Act + Assess
    expect(digestSeverity(window(), 5)).toBe('critical');
    expect(digestSeverity(window({ count: 3, categories: { 'out-of-memory': 3 } }), 5)).toBe('high');
    expect(digestSeverity(window({ categories: { 'spot-interruption': 37 } }), 5)).toBe('low');
  });
});
