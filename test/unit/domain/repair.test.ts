import fc from 'fast-check';
import { COLORS, otherColor, type Color } from '../../../shared/domain/colors';
import type { DeploymentStatus } from '../../../shared/domain/deployment';
import {
  canServe,
  finalLiveColor,
  repairCandidates,
  repairedStatus,
  repairSettleSeconds,
} from '../../../shared/domain/repair';

const colorArb = fc.constantFrom<Color>(...COLORS);

describe('repairCandidates', () => {
  it('tries the color the deployment recorded as live first, then the other', () => {
    // Act
    const fromGreen = repairCandidates('green');

    // Assess
    expect(fromGreen).toEqual(['green', 'blue']);
  });

  it('tries blue then green when no live color was recorded', () => {
    // Assess
    expect(repairCandidates(undefined)).toEqual(['blue', 'green']);
    expect(repairCandidates(null)).toEqual(['blue', 'green']);
  });

  it('always offers both colors once, the recorded one first', () => {
    fc.assert(
      fc.property(fc.option(colorArb, { nil: undefined }), (recorded) => {
        const candidates = repairCandidates(recorded);
        expect([...candidates].sort()).toEqual([...COLORS].sort());
        if (recorded) expect(candidates[0]).toBe(recorded);
      }),
    );
  });
});

describe('canServe', () => {
  it('needs both a running task and a healthy target', () => {
    // Assess
    expect(canServe({ runningCount: 2 }, { healthy: 1 })).toBe(true);
    expect(canServe({ runningCount: 0 }, { healthy: 1 })).toBe(false);
    expect(canServe({ runningCount: 2 }, { healthy: 0 })).toBe(false);
  });

  it('holds exactly when both counts are positive', () => {
    fc.assert(
      fc.property(fc.nat(50), fc.nat(50), (running, healthy) => {
        expect(canServe({ runningCount: running }, { healthy })).toBe(running > 0 && healthy > 0);
      }),
    );
  });
});

describe('repairedStatus', () => {
  it('closes the record as PROMOTED when its new color stays live, ROLLED_BACK otherwise', () => {
    // Assess
    expect(repairedStatus('green', 'green')).toBe('PROMOTED');
    expect(repairedStatus('blue', 'green')).toBe('ROLLED_BACK');
    expect(repairedStatus('blue', undefined)).toBe('ROLLED_BACK');
  });

  it('is PROMOTED for exactly one of the two colors of a deployment that chose its new color', () => {
    fc.assert(
      fc.property(colorArb, (newColor) => {
        expect(repairedStatus(newColor, newColor)).toBe('PROMOTED');
        expect(repairedStatus(otherColor(newColor), newColor)).toBe('ROLLED_BACK');
      }),
    );
  });
});

describe('finalLiveColor', () => {
  const record = { liveColor: 'blue' as const, newColor: 'green' as const };

  it('is the new color after a promotion, the old one after any other end', () => {
    // Assess
    expect(finalLiveColor({ ...record, status: 'PROMOTED' })).toBe('green');
    expect(finalLiveColor({ ...record, status: 'ROLLED_BACK' })).toBe('blue');
    expect(finalLiveColor({ ...record, status: 'ROLLBACK_FAILED' })).toBe('blue');
  });

  it('is unknown while the deployment runs, or when the record never named its colors', () => {
    // Assess
    expect(finalLiveColor({ ...record, status: 'IN_PROGRESS' })).toBeNull();
    expect(finalLiveColor({ status: 'REJECTED' })).toBeNull();
  });

  it('gives back the color a repair left live, whichever it chose', () => {
    fc.assert(
      fc.property(colorArb, colorArb, (newColor, live) => {
        const status: DeploymentStatus = repairedStatus(live, newColor);
        expect(finalLiveColor({ status, liveColor: otherColor(newColor), newColor })).toBe(live);
      }),
    );
  });
});

describe('repairSettleSeconds', () => {
  it('settles only when the idle color had weight on some route', () => {
    expect(repairSettleSeconds([{ blue: 75, green: 25 }], 'green', 15)).toBe(15);
    expect(
      repairSettleSeconds(
        [
          { blue: 100, green: 0 },
          { blue: 0, green: 100 },
        ],
        'green',
        15,
      ),
    ).toBe(15);
    expect(repairSettleSeconds([{ blue: 100, green: 0 }], 'green', 15)).toBe(0);
    expect(repairSettleSeconds([], 'blue', 15)).toBe(0);
  });

  it('is the settle exactly when any route gave the idle color weight, 0 otherwise', () => {
    const weights = fc.record({ blue: fc.nat(100), green: fc.nat(100) });
    fc.assert(
      fc.property(
        fc.array(weights, { maxLength: 3 }),
        fc.constantFrom('blue' as const, 'green' as const),
        fc.nat(300),
        (before, idle, settle) => {
          const expected = before.some((w) => w[idle] > 0) ? settle : 0;
          expect(repairSettleSeconds(before, idle, settle)).toBe(expected);
        },
      ),
    );
  });
});
