import fc from 'fast-check';
import {
  appendObservation,
  compactObservations,
  dynamoItemBytes,
  dynamoValueBytes,
  logBytes,
  pointAlarms,
  type ObservationPoint,
} from '../../../shared/domain/observation-log';
import { observationLogArb, pointAt } from '../../fixtures/observation-points';

const T0 = 1_700_000_000_000;

/** The points that explain the outcome: first, last, every decision, every verdict change. */
function storyPoints(points: ObservationPoint[]): ObservationPoint[] {
  return points.filter(
    (p, i) =>
      i === 0 || i === points.length - 1 || p.decision !== 'wait' || p.verdict !== points[i - 1]!.verdict,
  );
}

const isSubsequence = (sub: ObservationPoint[], all: ObservationPoint[]) => {
  let j = 0;
  for (const p of all) if (sub[j] === p) j++;
  return j === sub.length;
};

describe('observation log', () => {
  it('keeps every point while the log is within its limits', () => {
    const points = [pointAt(T0), pointAt(T0 + 1000), pointAt(T0 + 2000)];

    expect(compactObservations(points, { maxPoints: 3, maxBytes: 1e6 })).toEqual(points);
  });

  it('samples out an ordinary point, never the first, the last, a decision or a verdict change', () => {
    const points = [
      pointAt(T0),
      pointAt(T0 + 1000),
      pointAt(T0 + 2000, { verdict: 'pass' }),
      pointAt(T0 + 2500, { verdict: 'pass' }),
      pointAt(T0 + 3000, { verdict: 'pass', decision: 'advance' }),
      pointAt(T0 + 9000, { verdict: 'pass' }),
    ];

    const kept = compactObservations(points, { maxPoints: 4, maxBytes: 1e6 });

    expect(kept.map((p) => p.at - T0)).toEqual([0, 2000, 3000, 9000]);
  });

  it('removes the point whose neighbours are closest in time first, so the rest stays evenly spread', () => {
    const points = [0, 1000, 1100, 1200, 5000, 6000].map((t) => pointAt(T0 + t));

    const kept = compactObservations(points, { maxPoints: 4, maxBytes: 1e6 });

    // 1100 goes first (its neighbours 200 ms apart), then 1000 (neighbours 0 and 1200).
    expect(kept.map((p) => p.at - T0)).toEqual([0, 1200, 5000, 6000]);
  });

  it('keeps the last point when only one fits', () => {
    const points = [pointAt(T0, { decision: 'advance' }), pointAt(T0 + 1000)];

    expect(compactObservations(points, { maxPoints: 1, maxBytes: 1e6 })).toEqual([points[1]]);
  });

  it('appends to an absent log', () => {
    expect(appendObservation(undefined, pointAt(T0), { maxPoints: 10, maxBytes: 1e6 })).toEqual([
      pointAt(T0),
    ]);
  });

  it('keeps at most five alarm names, each at most 255 characters', () => {
    const names = Array.from({ length: 9 }, (_, i) => `${i}`.repeat(400));

    const kept = pointAlarms(names);

    expect(kept).toHaveLength(5);
    expect(kept?.every((n) => n.length === 255)).toBe(true);
    expect(pointAlarms([])).toBeUndefined();
  });

  describe('DynamoDB sizes', () => {
    it.each([
      ['a string, by its UTF-8 bytes', 'héllo', 6],
      ['a one-digit number', 5, 2],
      ['a 13-digit epoch', T0, 8],
      ['null', null, 1],
      ['a list: 3 bytes plus one per element', [1, 2], 3 + 2 * (1 + 2)],
      ['a map: 3 bytes plus names plus one per element', { ab: 'x' }, 3 + 1 + 2 + 1],
    ])('counts %s', (_label, value, bytes) => {
      expect(dynamoValueBytes(value)).toBe(bytes);
    });

    it('counts an item by its attribute names and values', () => {
      expect(dynamoItemBytes({ pk: 'DEPLOYMENT#a', n: 12 })).toBe(2 + 12 + 1 + 2);
    });

    it('never counts less than the JSON text of a string-only map minus its punctuation', () => {
      fc.assert(
        fc.property(fc.dictionary(fc.string(), fc.string()), (map) => {
          const json = Object.entries(map).reduce((sum, [k, v]) => sum + k.length + v.length, 0);
          expect(dynamoValueBytes(map)).toBeGreaterThanOrEqual(json);
        }),
      );
    });
  });

  describe('properties', () => {
    const limitsArb = fc.record({
      maxPoints: fc.integer({ min: 1, max: 80 }),
      maxBytes: fc.integer({ min: 0, max: 40_000 }),
    });

    it('never exceeds its points or bytes, keeps order and invents nothing', () => {
      fc.assert(
        fc.property(observationLogArb(200), limitsArb, (points, limits) => {
          const kept = compactObservations(points, limits);

          expect(kept.length).toBeLessThanOrEqual(limits.maxPoints);
          if (kept.length > 0) expect(logBytes(kept)).toBeLessThanOrEqual(limits.maxBytes);
          expect(isSubsequence(kept, points)).toBe(true);
        }),
      );
    });

    it('keeps the first, the last, every decision and every verdict change whenever they fit', () => {
      fc.assert(
        fc.property(observationLogArb(200), limitsArb, (points, limits) => {
          const story = storyPoints(points);
          fc.pre(story.length <= limits.maxPoints && logBytes(story) <= limits.maxBytes);

          const kept = compactObservations(points, limits);

          expect(isSubsequence(story, kept)).toBe(true);
        }),
      );
    });

    it('keeps the latest point whenever it fits by itself', () => {
      fc.assert(
        fc.property(observationLogArb(100), limitsArb, (points, limits) => {
          const last = points.at(-1);
          fc.pre(last !== undefined && logBytes([last]) <= limits.maxBytes);

          expect(compactObservations(points, limits).at(-1)).toBe(last);
        }),
      );
    });

    it('appending one point at a time keeps the same story as compacting once', () => {
      fc.assert(
        fc.property(observationLogArb(150), fc.integer({ min: 20, max: 60 }), (points, maxPoints) => {
          const limits = { maxPoints, maxBytes: 1e7 };
          const story = storyPoints(points);
          fc.pre(story.length <= maxPoints);

          const log = points.reduce<ObservationPoint[]>((acc, p) => appendObservation(acc, p, limits), []);

          expect(log.length).toBeLessThanOrEqual(maxPoints);
          expect(isSubsequence(story, log)).toBe(true);
        }),
      );
    });
  });
});
