import fc from 'fast-check';
import {
  allowListed,
  CREDENTIAL_MASK,
  MASK,
  maskedValues,
  redactEnvironment,
  scrubCredentials,
  scrubCredentialsDeep,
  scrubSecrets,
  SECRET_MASK,
} from '../../../shared/domain/alerts/redact';

const env = (name: string, value?: string) => ({
  container: 'app',
  name,
  ...(value === undefined ? {} : { value }),
});

describe('redactEnvironment', () => {
  it('masks every value by default', () => {
    // Act
    const redacted = redactEnvironment([env('LOG_LEVEL', 'debug'), env('REGION', 'eu-west-1')], []);

    // Assess
    expect(redacted.map((r) => r.value)).toEqual([MASK, MASK]);
    expect(redacted.every((r) => r.redacted)).toBe(true);
  });

  it('shows allow-listed values, by exact name or PREFIX*', () => {
    // Act
    const redacted = redactEnvironment(
      [env('LOG_LEVEL', 'debug'), env('FEATURE_X', 'on'), env('REGION', 'eu-west-1')],
      ['LOG_LEVEL', 'FEATURE_*'],
    );

    // Assess
    expect(redacted.map((r) => `${r.name}=${r.value}`)).toEqual([
      'LOG_LEVEL=debug',
      'FEATURE_X=on',
      `REGION=${MASK}`,
    ]);
  });

  it.each([
    'DB_PASSWORD',
    'db_passwd',
    'API_TOKEN',
    'STRIPE_API_KEY',
    'AWS_SECRET_ACCESS_KEY',
    'OAUTH_CLIENT_CREDENTIALS',
    'SESSION_COOKIE',
    'SENTRY_DSN',
  ])('masks the secret-looking %s even when allow-listed', (name) => {
    // Act
    const [redacted] = redactEnvironment([env(name, 'value-1234')], [name, '*']);

    // Assess
    expect(redacted).toEqual({ container: 'app', name, value: SECRET_MASK, redacted: true });
  });

  it('masks an allow-listed variable that carries no value', () => {
    // Act
    const [redacted] = redactEnvironment([env('LOG_LEVEL')], ['LOG_LEVEL']);

    // Assess
    expect(redacted?.value).toBe(MASK);
  });
});

describe('allowListed', () => {
  it('matches exact names and prefixes only', () => {
    // Act + Assess
    expect(allowListed('LOG_LEVEL', ['LOG_LEVEL'])).toBe(true);
    expect(allowListed('LOG_LEVEL_X', ['LOG_LEVEL'])).toBe(false);
    expect(allowListed('LOG_LEVEL_X', ['LOG_*'])).toBe(true);
    expect(allowListed('XLOG_LEVEL', ['LOG_*'])).toBe(false);
  });
});

describe('maskedValues', () => {
  it('lists masked values longest first and leaves out published and very short ones', () => {
    // Prepare
    const environment = [
      env('A', 'short-secret'),
      env('B', 'a-much-longer-secret'),
      env('LOG_LEVEL', 'debug'),
      env('C', 'ab'),
    ];
    const redacted = redactEnvironment(environment, ['LOG_LEVEL']);

    // Act
    const values = maskedValues(environment, redacted);

    // Assess
    expect(values).toEqual(['a-much-longer-secret', 'short-secret']);
  });
});

describe('scrubSecrets', () => {
  it('replaces secrets in strings, arrays, nested objects and keys', () => {
    // Prepare
    const value = { subject: 'x s3cr3t y', list: ['s3cr3t', 1, null], nested: { s3cr3t: 's3cr3ts3cr3t' } };

    // Act
    const scrubbed = scrubSecrets(value, ['s3cr3t']);

    // Assess
    expect(scrubbed).toEqual({
      subject: `x ${MASK} y`,
      list: [MASK, 1, null],
      nested: { [MASK]: `${MASK}${MASK}` },
    });
    expect(value.subject).toBe('x s3cr3t y');
  });
});

describe('scrubCredentials', () => {
  const AKIA = 'AKIAIOSFODNN7EXAMPLE';
  const ASIA = 'ASIAJOBSECRETKEYID01';
  const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

  it.each([
    [`pull failed for key ${AKIA}: access denied`, `pull failed for key ${CREDENTIAL_MASK}: access denied`],
    [`(${ASIA})`, `(${CREDENTIAL_MASK})`],
    [`aws_secret_access_key = ${SECRET}`, `aws_secret_access_key = ${CREDENTIAL_MASK}`],
    [`AWS_SECRET_ACCESS_KEY=${SECRET}`, `AWS_SECRET_ACCESS_KEY=${CREDENTIAL_MASK}`],
    [`{"SecretAccessKey": "${SECRET}"}`, `{"SecretAccessKey": "${CREDENTIAL_MASK}"}`],
    [`secretAccessKey:${SECRET}`, `secretAccessKey:${CREDENTIAL_MASK}`],
    [`AWS_SESSION_TOKEN=${'IQoJb3JpZ2luX2Vj'.repeat(4)}`, `AWS_SESSION_TOKEN=${CREDENTIAL_MASK}`],
  ])('scrubs %j', (text, expected) => {
    expect(scrubCredentials(text)).toBe(expected);
  });

  it.each([
    'AKIA is a prefix, not a key',
    `X${AKIA}`, // inside a longer upper-case run: not a key on its own
    'AKIAIOSFODNN7EXAMPL', // 19 characters
    `a 40-character word with no label: ${SECRET}`,
    'Essential container in task exited',
    'arn:aws:ecs:eu-west-1:111122223333:task/prod/4c5d6e7f8a9b44f5203bc8d9e0f1a2b3',
  ])('leaves %j alone', (text) => {
    expect(scrubCredentials(text)).toBe(text);
  });

  it('finds every access key ID fast-check plants in any text, and keeps no credential', () => {
    const keyId = fc
      .tuple(
        fc.constantFrom('AKIA', 'ASIA'),
        fc.string({
          unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'),
          minLength: 16,
          maxLength: 16,
        }),
      )
      .map(([prefix, rest]) => prefix + rest);
    const filler = fc.string({ unit: fc.constantFrom(...' abcxyz:/-_.()[]"\'\n\u00e9\u4e2d') });
    fc.assert(
      fc.property(filler, keyId, filler, (before, key, after) => {
        const scrubbed = scrubCredentials(`${before}${key}${after}`);
        return !scrubbed.includes(key) && scrubbed.includes(CREDENTIAL_MASK);
      }),
      { numRuns: 300 },
    );
  });

  it('is applied to every string scrubSecrets returns, with or without masked values', () => {
    expect(scrubSecrets({ reason: `key ${AKIA}` }, [])).toEqual({ reason: `key ${CREDENTIAL_MASK}` });
    expect(scrubCredentialsDeep({ [AKIA]: [AKIA] })).toEqual({ [CREDENTIAL_MASK]: [CREDENTIAL_MASK] });
  });
});
