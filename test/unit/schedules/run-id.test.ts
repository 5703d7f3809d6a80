import fc from 'fast-check';
import { InvalidInputError } from '../../../shared/domain/errors';
import {
  isRunId,
  manualRunId,
  MAX_RUN_ID_LENGTH,
  parseScheduledTime,
  runIdNamePart,
  slotRunId,
} from '../../../shared/domain/schedules/run-id';

const SLOT = Date.UTC(2027, 2, 15, 6, 30, 0);
const nameArb = fc.stringMatching(/^[0-9a-zA-Z_.-]{1,64}$/);
const instantArb = fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2199, 11, 31) });

describe('run ids', () => {
  it('names a slot after the schedule and its scheduled time, to the second', () => {
    expect(slotRunId('nightly-report', SLOT)).toBe('nightly-report_20270315T063000Z');
    expect(slotRunId('nightly-report', SLOT + 999)).toBe('nightly-report_20270315T063000Z');
  });

  it('gives a manual run its own id beside the slot of the same second', () => {
    expect(manualRunId('nightly-report', SLOT, 'k3x9')).toBe('nightly-report_20270315T063000Z_mk3x9');
    expect(() => manualRunId('nightly-report', SLOT, 'Bad!')).toThrow(/runSuffix/);
  });

  it('rewrites dots and long names with a fingerprint, so a.b and a-b stay apart', () => {
    expect(runIdNamePart('a.b')).not.toBe(runIdNamePart('a-b'));
    expect(runIdNamePart('a.b')).toMatch(/^a-b-[0-9a-f]{8}$/);
    const long = 'x'.repeat(64);
    expect(slotRunId(long, SLOT).length).toBeLessThanOrEqual(MAX_RUN_ID_LENGTH);
  });

  it('parses the scheduled time Scheduler sends, and names the field of a bad one', () => {
    expect(parseScheduledTime('2027-03-15T06:30:00Z')).toBe(SLOT);
    expect(parseScheduledTime('2027-03-15T06:30:00.250Z')).toBe(SLOT + 250);
    for (const bad of [
      '2027-03-15 06:30:00',
      '2027-02-30T06:30:00Z',
      '<aws.scheduler.scheduled-time>',
      42,
      undefined,
    ]) {
      let error: unknown;
      try {
        parseScheduledTime(bad);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).issues[0]?.path).toBe('scheduledTime');
    }
  });

  describe('properties', () => {
    it('is always a valid execution name (1–80 of [0-9A-Za-z_-]), for slots and manual runs', () => {
      fc.assert(
        fc.property(nameArb, instantArb, fc.stringMatching(/^[0-9a-z]{1,12}$/), (name, at, suffix) => {
          expect(isRunId(slotRunId(name, at))).toBe(true);
          expect(isRunId(manualRunId(name, at, suffix))).toBe(true);
        }),
      );
    });

    it('is the same for every delivery of a slot and differs between slots and between schedules', () => {
      fc.assert(
        fc.property(nameArb, nameArb, instantArb, instantArb, (a, b, t1, t2) => {
          const second = (t: number) => Math.floor(t / 1000);
          expect(slotRunId(a, t1)).toBe(slotRunId(a, t1));
          expect(slotRunId(a, t1) === slotRunId(a, t2)).toBe(second(t1) === second(t2));
          if (a !== b) expect(slotRunId(a, t1)).not.toBe(slotRunId(b, t1));
        }),
      );
    });

    it('round-trips the scheduled time of a slot', () => {
      fc.assert(
        fc.property(instantArb, (at) => {
          const text = new Date(at).toISOString();
          expect(parseScheduledTime(text)).toBe(at);
        }),
      );
    });
  });
});
