import fc from 'fast-check';
import { currentBakeWindow, evaluateGate, judgeBakeWindow } from '../../../shared/domain/gate';
import { GateSchema } from '../../../shared/domain/gate';
import { seededRandom } from '../../../shared/domain/statistics/random';
import { simulateBake } from '../../support/gate-simulation';

const gate = GateSchema.parse({});
const traffic = (requests: number, errors: number) => ({ requests, errors, p50Ms: 5, p99Ms: 20 });

describe('currentBakeWindow', () => {
  it('is null while the first window is open (the whole bake is that window)', () => {
    expect(currentBakeWindow(0, 600_000, 59_999, 60)).toBeNull();
  });

  it('starts on a window boundary and counts the windows up to the deadline', () => {
    expect(currentBakeWindow(1_000, 601_000, 1_000 + 130_000, 60)).toEqual({ from: 121_000, windows: 10 });
    expect(currentBakeWindow(0, 90_000, 60_001, 60)).toEqual({ from: 60_000, windows: 2 });
  });

  it('stays on a window until the data reaches its end, so a one-period window is judged whole', () => {
    // Data complete up to 60 s: the first window is whole, and the whole bake is that window.
    expect(currentBakeWindow(0, 600_000, 60_000, 60)).toBeNull();
    // Up to 120 s: the window [60 s, 120 s) is current, with all its data (not an empty [120 s, 120 s)).
    expect(currentBakeWindow(0, 600_000, 120_000, 60)).toEqual({ from: 60_000, windows: 10 });
    expect(currentBakeWindow(0, 600_000, 180_000, 60)).toEqual({ from: 120_000, windows: 10 });
  });
});

describe('judgeBakeWindow', () => {
  it('names the window in every failing reason', () => {
    const verdict = judgeBakeWindow(gate, { from: 0, windows: 10 }, traffic(2_000, 120));
    expect(verdict.verdict).toBe('fail');
    expect(verdict.reasons.length).toBeGreaterThan(0);
    for (const reason of verdict.reasons) expect(reason).toMatch(/^latest bake window: /);
  });

  it('never passes or waits on its own: anything but a failure adds no reason', () => {
    expect(judgeBakeWindow(gate, { from: 0, windows: 10 }, traffic(2_000, 2))).toEqual({
      verdict: 'pass',
      reasons: [],
    });
    expect(judgeBakeWindow(gate, { from: 0, windows: 10 }, traffic(5, 0))).toEqual({
      verdict: 'pass',
      reasons: [],
    });
  });

  it('splits the false-rollback rate over the windows: evidence enough for one test is not for twenty', () => {
    // Find a window that the gate fails at α but not at α / 20.
    const borderline = [...Array(200).keys()]
      .map((errors) => traffic(1_000, errors))
      .find((w) => evaluateGate(gate, w, { healthy: 1, unhealthy: 0, transitioning: 0 }).verdict === 'fail')!;
    expect(judgeBakeWindow(gate, { from: 0, windows: 1 }, borderline).verdict).toBe('fail');
    expect(judgeBakeWindow(gate, { from: 0, windows: 20 }, borderline).verdict).toBe('pass');
  });

  it('is monotone: more errors in the window never turn a failure into a pass', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 20, max: 5_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 100 }),
        (requests, share, windows) => {
          const errors = Math.floor(requests * share);
          const fewer = judgeBakeWindow(gate, { from: 0, windows }, traffic(requests, errors));
          const more = judgeBakeWindow(
            gate,
            { from: 0, windows },
            traffic(requests, Math.min(requests, errors + 1)),
          );
          if (fewer.verdict === 'fail') expect(more.verdict).toBe('fail');
        },
      ),
    );
  });
});

describe('simulated bakes', () => {
  const setup = (windowSeconds: number | null) => ({
    gate: GateSchema.parse({ stepTimeoutSeconds: 60 }),
    bakeSeconds: 600,
    windowSeconds,
    requestsPerSecond: 200,
  });
  const late = { errorRate: 0.005, p99Ms: 120, degradeAtSeconds: 500, degradedErrorRate: 0.06 };

  it('catches a late degradation with the latest window within seconds; the whole bake alone later, by the bake end', () => {
    const random = seededRandom(7);
    for (let i = 0; i < 20; i++) {
      const withWindows = simulateBake(setup(60), late, random);
      expect(withWindows.decision).toBe('rollback');
      expect(withWindows.seconds - late.degradeAtSeconds).toBeLessThanOrEqual(30);
      // 1.4 % over the whole bake: above the 1 % limit, caught by the limit's evidence or at the final look (600 s).
      const alone = simulateBake(setup(null), late, random);
      expect(alone.decision).toBe('rollback');
      expect(alone.seconds).toBeGreaterThan(withWindows.seconds + 30);
      expect(alone.seconds).toBeLessThanOrEqual(601);
    }
  });

  it('promotes a good release with the latest window in use', () => {
    const random = seededRandom(8);
    for (let i = 0; i < 50; i++) {
      expect(simulateBake(setup(60), { errorRate: 0.005, p99Ms: 120 }, random).decision).toBe('advance');
    }
  });
});
