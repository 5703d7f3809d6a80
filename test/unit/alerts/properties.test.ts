import fc from 'fast-check';
import { assessTaskEvent, explainTaskEvent } from '../../../shared/domain/alerts/assess';
import { ALERT_CATEGORIES, classifyStop, SEVERITIES } from '../../../shared/domain/alerts/classify';
import type { Enrichment } from '../../../shared/domain/alerts/enrichment';
import { buildDigest, buildStopAlert } from '../../../shared/domain/alerts/message';
import { DEFAULT_ALERT_POLICY } from '../../../shared/domain/alerts/policy';
import { parseTaskEvent } from '../../../shared/domain/alerts/task-event';
import { loadEvent } from '../../fixtures/ecs-events';

const POLICY = { ...DEFAULT_ALERT_POLICY, includeExpected: true };

/** Values a detail field may take in a hostile or future event. */
const anyValue = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.constant(null),
  fc.boolean(),
  fc.constantFrom(
    'STOPPED',
    'EssentialContainerExited',
    'TaskFailedToStart',
    'ServiceSchedulerInitiated',
    'service:web',
    'family:batch',
  ),
  fc.constantFrom(
    'OutOfMemoryError: Container killed',
    'CannotPullContainerError: x',
    'Task failed ELB health checks in (target-group arn:x)',
  ),
  fc.jsonValue({ maxDepth: 2 }),
);

const containerArb = fc.oneof(
  fc.record(
    {
      name: anyValue,
      exitCode: fc.oneof(fc.integer({ min: -1, max: 300 }), anyValue),
      reason: anyValue,
      healthStatus: anyValue,
    },
    { requiredKeys: [] },
  ),
  anyValue,
);

/** A detail with a task ARN (so classification runs) and any mix of known fields holding anything. */
const detailArb = fc
  .record(
    {
      lastStatus: fc.oneof(fc.constant('STOPPED'), anyValue),
      stopCode: anyValue,
      stoppedReason: anyValue,
      group: anyValue,
      clusterArn: anyValue,
      taskDefinitionArn: anyValue,
      version: anyValue,
      containers: fc.oneof(fc.array(containerArb, { maxLength: 4 }), anyValue),
      overrides: anyValue,
    },
    { requiredKeys: [] },
  )
  .map((detail) => ({ ...detail, taskArn: 'arn:aws:ecs:eu-west-1:111122223333:task/prod/0123abcd' }));

const ENRICHED: Enrichment = {
  taskDefinition: {
    status: 'enriched',
    value: {
      taskDefinitionArn: 'arn:aws:ecs:eu-west-1:111122223333:task-definition/nightly-report:7',
      family: 'nightly-report',
      revision: 7,
      containers: [
        {
          name: 'report',
          essential: true,
          logs: { driver: 'awslogs', group: '/ecs/report', streamPrefix: 'ecs' },
        },
      ],
    },
  },
  deployment: { status: 'enriched', value: null },
};

describe('stopped-task alert properties', () => {
  it('assessing any JSON value never throws', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (raw) => {
        // Act + Assess
        expect(() => explainTaskEvent(raw, POLICY)).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });

  it('classifies any detail carrying a task ARN into a known category, with a one-line explanation', () => {
    fc.assert(
      fc.property(detailArb, (detail) => {
        // Act
        const parsed = parseTaskEvent({ 'detail-type': 'ECS Task State Change', detail });
        if (!parsed.ok) throw new Error('a detail with a task ARN must parse');
        const classification = classifyStop(parsed.stop);
        const explanation = explainTaskEvent({ detail }, POLICY);

        // Assess
        expect(ALERT_CATEGORIES).toContain(classification.category);
        expect(SEVERITIES).toContain(classification.severity);
        expect(classification.explanation).not.toMatch(/\n/);
        expect(explanation.assessment.status).not.toBe('malformed');
      }),
      { numRuns: 300 },
    );
  });

  it('never publishes a planted environment value that is not allow-listed', () => {
    // Secrets look like real ones: 8+ characters, not words the message is made of.
    const secretArb = fc.stringMatching(/^[A-Za-z0-9_\-+/=.:@]{8,40}$/).map((s) => `Zq9${s}`);
    const nameArb = fc.oneof(
      fc.constantFrom(
        'DB_PASSWORD',
        'API_TOKEN',
        'AWS_SECRET_ACCESS_KEY',
        'LOG_LEVEL',
        'FEATURE_FLAG',
        'DATABASE_URL',
        'PUBLIC_NAME',
      ),
      fc.stringMatching(/^[A-Z][A-Z0-9_]{0,20}$/),
    );
    fc.assert(
      fc.property(
        fc.array(fc.record({ name: nameArb, value: secretArb }), { minLength: 1, maxLength: 6 }),
        fc.constantFrom(
          'out-of-memory',
          'exit-with-secret-overrides',
          'elb-health-check',
          'unknown-stop-code' as const,
        ),
        fc.boolean(),
        (variables, fixture, echoInReason) => {
          // Prepare
          const event = loadEvent(fixture);
          event.detail.overrides = { containerOverrides: [{ name: 'report', environment: variables }] };
          // A careless app or agent may echo a value into a reason: it must be scrubbed there too.
          if (echoInReason) event.detail.stoppedReason = `failed with ${variables[0]!.value} in config`;
          const allowList = ['PUBLIC_NAME', 'LOG_*'];
          const parsed = parseTaskEvent(event);
          if (!parsed.ok) throw new Error('fixture does not parse');
          const classification = classifyStop(parsed.stop);
          const isAllowListed = (name: string) => name === 'PUBLIC_NAME' || name.startsWith('LOG_');
          const planted = variables.filter((v) => !isAllowListed(v.name)).map((v) => v.value);

          // Act
          const alert = buildStopAlert({
            stop: parsed.stop,
            classification,
            enrichment: ENRICHED,
            policy: { envAllowList: allowList },
          });
          const digest = buildDigest({
            stop: parsed.stop,
            window: {
              startedAt: 0,
              lastAt: 60_000,
              count: 5,
              categories: { [classification.category]: 5 },
              lastCategory: classification.category,
              lastExitCode: 1,
              lastContainer: 'report',
            },
            final: false,
            policy: { ...DEFAULT_ALERT_POLICY, envAllowList: allowList },
            latest: { stop: parsed.stop, classification, enrichment: ENRICHED },
          });

          // Assess
          const published = JSON.stringify([alert, digest]);
          for (const value of planted) expect(published).not.toContain(value);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('skips every event whose task has not stopped yet', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('PROVISIONING', 'PENDING', 'RUNNING', 'DEACTIVATING', 'STOPPING', 'DEPROVISIONING'),
        (lastStatus) => {
          // Prepare
          const event = loadEvent('out-of-memory');
          event.detail.lastStatus = lastStatus;

          // Act + Assess
          expect(assessTaskEvent(event, POLICY).status).toBe('not-stopped');
        },
      ),
    );
  });
});
