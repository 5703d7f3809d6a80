import { classifyStop } from '../../../shared/domain/alerts/classify';
import { cloudWatchLogsUrl, notEnriched, type Enrichment } from '../../../shared/domain/alerts/enrichment';
import { buildDigest, buildStopAlert } from '../../../shared/domain/alerts/message';
import { DEFAULT_ALERT_POLICY } from '../../../shared/domain/alerts/policy';
import { parseTaskEvent, type TaskStop } from '../../../shared/domain/alerts/task-event';
import { loadEvent, type EventFixture } from '../../fixtures/ecs-events';

const POLICY = { ...DEFAULT_ALERT_POLICY, envAllowList: ['LOG_LEVEL'] };
const TASK_DEFINITION_ARN = 'arn:aws:ecs:eu-west-1:111122223333:task-definition/web:42';

function stopOf(name: EventFixture): TaskStop {
  const parsed = parseTaskEvent(loadEvent(name));
  if (!parsed.ok) throw new Error('fixture does not parse');
  return parsed.stop;
}

const enriched: Enrichment = {
  taskDefinition: {
    status: 'enriched',
    value: {
      taskDefinitionArn: TASK_DEFINITION_ARN,
      family: 'web',
      revision: 42,
      containers: [
        {
          name: 'app',
          essential: true,
          logs: { driver: 'awslogs', group: '/ecs/web', region: 'eu-west-1', streamPrefix: 'web' },
        },
        { name: 'log-router', essential: false, logs: { driver: 'awslogs', group: '/ecs/firelens' } },
      ],
    },
  },
  deployment: {
    status: 'enriched',
    value: { id: 'web-2026-03-02-1', step: 'STEP_STARTED: step 2 of 3: 25 % to green' },
  },
};

describe('buildStopAlert', () => {
  it('writes a short subject naming severity, service, cluster, category and the blamed container', () => {
    // Prepare
    const stop = stopOf('out-of-memory');

    // Act
    const alert = buildStopAlert({
      stop,
      classification: classifyStop(stop),
      enrichment: enriched,
      policy: POLICY,
    });

    // Assess
    expect(alert.subject).toBe('[high] web-blue (prod): out of memory (app, exit 137)');
    expect(alert.id).toBe('task-stopped/0a1b2c3d4e5f40718293a4b5c6d7e8f9/v6');
  });

  it('sets the attributes SNS subscription filter policies match on', () => {
    // Prepare
    const stop = stopOf('elb-health-check');

    // Act
    const alert = buildStopAlert({
      stop,
      classification: classifyStop(stop),
      enrichment: enriched,
      policy: POLICY,
    });

    // Assess
    expect(alert.attributes).toEqual({
      event: 'task-stopped',
      kind: 'alert',
      cluster: 'prod',
      service: 'web-blue',
      family: 'web',
      category: 'elb-health-check',
      severity: 'high',
    });
  });

  it('links each awslogs container to its log stream, prefix/container/task-id', () => {
    // Prepare
    const stop = stopOf('out-of-memory');

    // Act
    const alert = buildStopAlert({
      stop,
      classification: classifyStop(stop),
      enrichment: enriched,
      policy: POLICY,
    });

    // Assess
    const containers = alert.detail.containers as {
      name: string;
      logs?: { stream?: string; url: string };
      essential?: boolean;
    }[];
    expect(containers[0]).toMatchObject({
      name: 'app',
      essential: true,
      logs: { group: '/ecs/web', region: 'eu-west-1', stream: 'web/app/0a1b2c3d4e5f40718293a4b5c6d7e8f9' },
    });
    expect(containers[0]?.logs?.url).toBe(
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Fecs$252Fweb/log-events/web$252Fapp$252F0a1b2c3d4e5f40718293a4b5c6d7e8f9',
    );
    // Without a stream prefix the stream is named by container id: link the group, in the event's region.
    expect(containers[1]?.logs).toEqual({
      group: '/ecs/firelens',
      region: 'eu-west-1',
      url: 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Fecs$252Ffirelens',
    });
    expect(alert.message).toContain(`    logs: ${containers[0]?.logs?.url}`);
  });

  it('names the task definition, placement, containers and the running Greenlight deployment in the body', () => {
    // Prepare
    const stop = stopOf('spot-interruption');

    // Act
    const alert = buildStopAlert({
      stop,
      classification: classifyStop(stop),
      enrichment: enriched,
      policy: POLICY,
    });

    // Assess
    expect(alert.message).toContain('Task definition: web:42 (capacity provider FARGATE_SPOT, eu-west-1b)');
    expect(alert.message).toContain('  - app: exit 143, essential');
    expect(alert.message).toContain(
      'Greenlight deployment: web-2026-03-02-1 in progress (STEP_STARTED: step 2 of 3: 25 % to green)',
    );
    expect(alert.detail).toMatchObject({
      kind: 'task-stopped',
      category: 'spot-interruption',
      deployment: { id: 'web-2026-03-02-1' },
      enrichment: { taskDefinition: 'enriched', deployment: 'enriched' },
      task: {
        cluster: 'prod',
        service: 'web-blue',
        family: 'web',
        revision: 42,
        capacityProviderName: 'FARGATE_SPOT',
        version: '6',
      },
    });
  });

  it('says "not enriched" and why when AWS was not asked', () => {
    // Prepare
    const stop = stopOf('image-pull-failure');

    // Act
    const alert = buildStopAlert({
      stop,
      classification: classifyStop(stop),
      enrichment: notEnriched('offline'),
      policy: POLICY,
    });

    // Assess
    expect(alert.message).toContain('Logs: not enriched (offline)');
    expect(alert.message).toContain('Greenlight deployment: not enriched (offline)');
    expect(alert.detail.enrichment).toEqual({
      taskDefinition: 'not enriched: offline',
      deployment: 'not enriched: offline',
    });
  });

  it('publishes no environment value but allow-listed ones, anywhere', () => {
    // Prepare
    const stop = stopOf('exit-with-secret-overrides');
    const planted = ['hunter2-Planted-Pa55word', 'sk_live_PLANTED51Hc0ffee', 'PLANTEDurlPass', '2026-03-01'];
    stop.stoppedReason = 'Essential container in task exited after printing sk_live_PLANTED51Hc0ffee';

    // Act
    const alert = buildStopAlert({
      stop,
      classification: classifyStop(stop),
      enrichment: enriched,
      policy: POLICY,
    });

    // Assess
    const everything = JSON.stringify(alert);
    for (const value of planted) expect(everything).not.toContain(value);
    expect(alert.message).toContain(
      'Environment overrides (report): DB_PASSWORD=[redacted: secret name], STRIPE_API_KEY=[redacted: secret name], UPSTREAM_URL=[redacted], REPORT_DAY=[redacted], LOG_LEVEL=debug',
    );
    expect(alert.message).toContain('after printing [redacted]');
  });
});

describe('credentials in free text', () => {
  it('scrubs an access key ID and a labelled secret key from the stop reason, container reasons and group', () => {
    const stop = stopOf('essential-container-exited');
    stop.stoppedReason = 'CannotPullContainerError: AccessDenied for AKIAIOSFODNN7EXAMPLE';
    stop.containers = [
      { name: 'app', exitCode: 1, reason: 'aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
    ];
    stop.startedBy = 'ASIAJOBSECRETKEYID01';
    const classification = classifyStop(stop);

    const alert = buildStopAlert({ stop, classification, enrichment: enriched, policy: POLICY });
    const digest = buildDigest({
      stop,
      window: {
        startedAt: 0,
        lastAt: 60_000,
        count: 5,
        categories: { 'essential-container-exited': 5 },
        lastCategory: 'essential-container-exited',
        lastExitCode: 1,
        lastContainer: 'app',
      },
      final: false,
      policy: POLICY,
      latest: { stop, classification, enrichment: enriched },
    });

    for (const message of [alert, digest]) {
      const text = JSON.stringify(message);
      expect(text).not.toContain('AKIAIOSFODNN7EXAMPLE');
      expect(text).not.toContain('ASIAJOBSECRETKEYID01');
      expect(text).not.toContain('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
      expect(text).toContain('[redacted: credential]');
    }
  });
});

describe('buildDigest', () => {
  const window = {
    startedAt: Date.UTC(2026, 2, 2, 10, 0, 0),
    lastAt: Date.UTC(2026, 2, 2, 10, 9, 40),
    count: 37,
    categories: { 'out-of-memory': 37 },
    lastCategory: 'out-of-memory' as const,
    lastExitCode: 137,
    lastContainer: 'app',
  };

  it('sums up a crash loop in the subject and attributes', () => {
    // Prepare
    const stop = stopOf('out-of-memory');

    // Act
    const digest = buildDigest({ stop, window, final: true, policy: POLICY });

    // Assess
    expect(digest.subject).toBe(
      '[critical] web-blue (prod): 37 tasks stopped in 10 min, all out of memory, last exit 137',
    );
    expect(digest.attributes).toMatchObject({
      event: 'task-stopped',
      kind: 'digest',
      category: 'out-of-memory',
      severity: 'critical',
    });
    expect(digest.detail).toMatchObject({
      kind: 'task-stopped-digest',
      final: true,
      count: 37,
      startedAt: '2026-03-02T10:00:00Z',
    });
    expect(digest.message).toContain('Final tally of this window');
    expect(digest.id).toMatch(/^task-stopped-digest\/[0-9a-f]{8}\/1772445600000\/37$/);
  });

  it('includes the stop that reached the threshold and announces the next digest', () => {
    // Prepare
    const stop = stopOf('out-of-memory');

    // Act
    const digest = buildDigest({
      stop,
      window: { ...window, count: 5 },
      final: false,
      policy: POLICY,
      latest: { stop, classification: classifyStop(stop), enrichment: enriched },
    });

    // Assess
    expect(digest.message).toContain('next digest at 50 stops or when the 10-minute window closes');
    expect(digest.message).toContain('Latest stop, task 0a1b2c3d4e5f40718293a4b5c6d7e8f9:');
    expect(digest.detail).toMatchObject({ nextDigestAt: 50, latest: { category: 'out-of-memory' } });
  });
});

describe('cloudWatchLogsUrl', () => {
  it('encodes group and stream the way the console expects', () => {
    // Act + Assess
    expect(cloudWatchLogsUrl('us-east-1', '/aws/ecs/a b', 'p/c/t')).toBe(
      'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Faws$252Fecs$252Fa$2520b/log-events/p$252Fc$252Ft',
    );
  });
});
