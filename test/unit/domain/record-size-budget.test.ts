import fc from 'fast-check';
import type { DeploymentRecord } from '../../../shared/domain/deployment';
import {
  OBSERVATIONS_MAX_BYTES,
  OBSERVATIONS_MAX_POINTS,
  RECORD_LATE_FIELDS_BYTES,
  observationLimits,
  recordObservationLimits,
} from '../../../shared/domain/history-budget';
import { DYNAMODB_ITEM_MAX_BYTES } from '../../../shared/domain/limits';
import {
  appendObservation,
  dynamoItemBytes,
  dynamoValueBytes,
  type ObservationPoint,
} from '../../../shared/domain/observation-log';
import { SpecSchema } from '../../../shared/domain/spec';
import { specFor } from '../../fixtures/spec';
import { pointAt } from '../../fixtures/observation-points';

const T0 = 1_700_000_000_000;

/** The largest point an evaluation writes: every figure 13 digits, five 255-character alarm names. */
const widestPoint = (at: number): ObservationPoint =>
  pointAt(at, {
    colors: {
      blue: { requests: 9_999_999_999_999, errors: 9_999_999_999_999, p99Ms: 99_999.123456789 },
      green: {
        requests: 9_999_999_999_999,
        errors: 9_999_999_999_999,
        p99Ms: 99_999.123456789,
        healthy: 9999,
        unhealthy: 9999,
        stops: 9999,
      },
    },
    alarms: Array.from({ length: 5 }, (_, i) => `${i}`.repeat(255)),
    probes: { requests: 9_999_999, failed: 9_999_999 },
  });

/** The stored item: the record's attributes and its table keys. */
const itemBytes = (record: DeploymentRecord) =>
  dynamoItemBytes({ ...record, pk: `DEPLOYMENT#${record.id}`, sk: 'RECORD' });

function recordWith(spec: ReturnType<typeof SpecSchema.parse>, padding = ''): DeploymentRecord {
  return {
    id: 'd-1',
    service: spec.service,
    cluster: spec.cluster,
    image: 'x'.repeat(1024),
    requestedBy: `arn:aws:iam::123456789012:user/${'p/'.repeat(250)}someone`,
    status: 'IN_PROGRESS',
    startedAt: T0,
    spec,
    ...(padding ? { warning: padding } : {}),
  };
}

/** Runs `evaluations` evaluations of widest points into the record's log. */
function fill(record: DeploymentRecord, evaluations: number): DeploymentRecord {
  let current = record;
  for (let i = 0; i < evaluations; i++) {
    const limits = recordObservationLimits(current as unknown as Record<string, unknown>);
    current = {
      ...current,
      observations: appendObservation(current.observations, widestPoint(T0 + i * 1000), limits),
    };
  }
  return current;
}

describe("the deployment record's item-size budget", () => {
  it('leaves the observations their full share beside the largest spec a request can carry', () => {
    const spec = SpecSchema.parse({
      ...specFor(),
      alarms: Array.from({ length: 100 }, (_, i) => `${i}-${'a'.repeat(250)}`),
      plan: { steps: Array.from({ length: 50 }, (_, i) => ({ weight: i + 1, holdSeconds: 0 })) },
      gate: { intervalSeconds: 60, stepTimeoutSeconds: 300 },
    });
    const record = recordWith(spec);

    const limits = recordObservationLimits(record as unknown as Record<string, unknown>);
    const full = fill(record, 600);

    expect(limits).toEqual({ maxPoints: OBSERVATIONS_MAX_POINTS, maxBytes: OBSERVATIONS_MAX_BYTES });
    // Every byte of the share is used: as many widest points as fit (about 77 of 1.6 KB).
    const widest = dynamoValueBytes(widestPoint(T0)) + 1;
    expect(full.observations!.length).toBe(Math.floor((OBSERVATIONS_MAX_BYTES - 3) / widest));
    expect(itemBytes(full)).toBeLessThanOrEqual(DYNAMODB_ITEM_MAX_BYTES - RECORD_LATE_FIELDS_BYTES);
  });

  it('shrinks the observations to what a large record leaves', () => {
    expect(observationLimits(DYNAMODB_ITEM_MAX_BYTES - RECORD_LATE_FIELDS_BYTES - 1000).maxBytes).toBe(
      1000 - 'observations'.length,
    );
    expect(observationLimits(DYNAMODB_ITEM_MAX_BYTES).maxBytes).toBe(0);
  });

  it('never lets the record item pass 400 KB less the late fields, however large the rest of it', () => {
    const spec = SpecSchema.parse(specFor());
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 380_000 }),
        fc.integer({ min: 1, max: 400 }),
        (pad, evaluations) => {
          const record = recordWith(spec, 'w'.repeat(pad));
          fc.pre(itemBytes(record) <= DYNAMODB_ITEM_MAX_BYTES - RECORD_LATE_FIELDS_BYTES);

          const full = fill(record, evaluations);

          expect(itemBytes(full)).toBeLessThanOrEqual(DYNAMODB_ITEM_MAX_BYTES - RECORD_LATE_FIELDS_BYTES);
          expect(full.observations!.length).toBeLessThanOrEqual(OBSERVATIONS_MAX_POINTS);
        },
      ),
      { numRuns: 10 },
    );
  });
});
