import { alertPolicy, alertPolicyFromEnv, alertsEnv } from '../../../shared/config/alerts-env';
import { DEFAULT_ALERT_POLICY } from '../../../shared/domain/alerts/policy';
import { InvalidInputError } from '../../../shared/domain/errors';

const REQUIRED = {
  TABLE_NAME: 'greenlight',
  TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:greenlight-alerts',
};

describe('alertsEnv', () => {
  it('applies the default policy when only the table and topic are set', () => {
    // Act
    const env = alertsEnv(REQUIRED);

    // Assess
    expect(alertPolicy(env)).toEqual(DEFAULT_ALERT_POLICY);
  });

  it('reads lists, the expected-stops flag, the window and the threshold', () => {
    // Act
    const policy = alertPolicy(
      alertsEnv({
        ...REQUIRED,
        ALERT_CLUSTERS: 'prod, arn:aws:ecs:eu-west-1:111122223333:cluster/batch,',
        ALERT_ENV_ALLOWLIST: 'LOG_LEVEL,FEATURE_*',
        ALERT_INCLUDE_EXPECTED: 'TRUE',
        ALERT_WINDOW_MINUTES: '15',
        ALERT_DIGEST_THRESHOLD: '3',
      }),
    );

    // Assess
    expect(policy).toMatchObject({
      clusters: ['prod', 'arn:aws:ecs:eu-west-1:111122223333:cluster/batch'],
      envAllowList: ['LOG_LEVEL', 'FEATURE_*'],
      includeExpected: true,
      windowMs: 15 * 60_000,
      digestThreshold: 3,
    });
  });

  it('accepts a FIFO topic', () => {
    // Act + Assess
    expect(alertsEnv({ ...REQUIRED, TOPIC_ARN: `${REQUIRED.TOPIC_ARN}.fifo` }).TOPIC_ARN).toMatch(/\.fifo$/);
  });

  it('names every bad variable', () => {
    // Act
    const error = (() => {
      try {
        alertsEnv({
          TOPIC_ARN: 'not-an-arn',
          ALERT_WINDOW_MINUTES: 'ten',
          ALERT_DIGEST_THRESHOLD: '1',
          ALERT_INCLUDE_EXPECTED: 'yes',
        });
      } catch (e) {
        return e as InvalidInputError;
      }
      throw new Error('expected a throw');
    })();

    // Assess
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.issues.map((i) => i.path).sort()).toEqual([
      'env.ALERT_DIGEST_THRESHOLD',
      'env.ALERT_INCLUDE_EXPECTED',
      'env.ALERT_WINDOW_MINUTES',
      'env.TABLE_NAME',
      'env.TOPIC_ARN',
    ]);
    expect(error.message).toContain(
      'env.ALERT_WINDOW_MINUTES: expected an integer from 1 to 1440, got "ten"',
    );
  });
});

describe('alertPolicyFromEnv', () => {
  it('needs no table or topic', () => {
    // Act + Assess
    expect(alertPolicyFromEnv({ ALERT_ENV_ALLOWLIST: 'LOG_LEVEL' }).envAllowList).toEqual(['LOG_LEVEL']);
  });
});
