import {
  allowListed,
  MASK,
  maskedValues,
  redactEnvironment,
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
