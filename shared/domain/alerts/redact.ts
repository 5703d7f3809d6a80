/**
 * Environment overrides in a task event (`overrides.containerOverrides[].environment`) often carry
 * credentials passed to RunTask. Their values are masked unless the name is allow-listed, and a
 * name that looks like a secret is masked even when allow-listed. As a second line of defence,
 * every masked value is scrubbed from the whole published message, wherever else it appears.
 *
 * Credentials can also reach a message without being an override: a stop reason or container
 * reason quoting an error that carries an access key ID, say. Well-known credential shapes are
 * therefore scrubbed by pattern from every published string (scrubCredentials), whatever the field;
 * the pipeline's job results use the same scrubber.
 */
import type { EnvironmentOverride } from './task-event';

/** Names that hold secrets, whatever the allow-list says. */
export const SECRET_NAME_PATTERN =
  /pass(?:word|wd|phrase)?|secret|token|key|credential|cred\b|auth|private|cert|signature|salt|session|cookie|pwd|dsn|conn(?:ection)?_?str|bearer|jwt|otp|pin\b/i;

export const MASK = '[redacted]';
export const CREDENTIAL_MASK = '[redacted: credential]';

/**
 * AWS access key IDs: long-term (AKIA), temporary (ASIA), and the STS bearer/context keys (ABIA,
 * ACCA), 20 characters of upper-case letters and digits, not inside a longer such run.
 */
const ACCESS_KEY_ID_PATTERN = /(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])/g;

/**
 * A value after a label naming a secret access key or a session token (`aws_secret_access_key =`,
 * `"SecretAccessKey": "`, `AWS_SESSION_TOKEN=`...): secret keys are 40 base64 characters, session
 * tokens are longer. The label is kept, the value replaced.
 */
const LABELLED_CREDENTIAL_PATTERN =
  /((?:aws_?)?(?:secret_?access_?key|session_?token|security_?token)["']?\s*[:=]\s*["']?)([A-Za-z0-9/+=]{40,})/gi;

/** `text` with every well-known credential shape replaced by CREDENTIAL_MASK. */
export function scrubCredentials(text: string): string {
  return text
    .replace(LABELLED_CREDENTIAL_PATTERN, (_match, label: string) => `${label}${CREDENTIAL_MASK}`)
    .replace(ACCESS_KEY_ID_PATTERN, CREDENTIAL_MASK);
}

/** A copy of `value` (strings, arrays, plain objects, keys included) with scrubCredentials applied to every string. */
export function scrubCredentialsDeep<T>(value: T): T {
  return scrubSecrets(value, []);
}
export const SECRET_MASK = '[redacted: secret name]';

/** A scrubbed value shorter than this would mangle ordinary words; such values are masked only in place. */
export const MIN_SCRUB_LENGTH = 4;

export interface RedactedVariable {
  container: string;
  name: string;
  /** The value when allow-listed and not secret-named; otherwise a mask. */
  value: string;
  redacted: boolean;
}

/** True when `name` is in the allow-list: exact names, or prefixes written `PREFIX*`. */
export function allowListed(name: string, allowList: readonly string[]): boolean {
  return allowList.some((entry) =>
    entry.endsWith('*') ? name.startsWith(entry.slice(0, -1)) : entry === name,
  );
}

export function isSecretName(name: string): boolean {
  return SECRET_NAME_PATTERN.test(name);
}

/** Each override with its value masked unless allow-listed and not secret-named. */
export function redactEnvironment(
  environment: readonly EnvironmentOverride[],
  allowList: readonly string[],
): RedactedVariable[] {
  return environment.map(({ container, name, value }) => {
    if (isSecretName(name)) return { container, name, value: SECRET_MASK, redacted: true };
    if (value !== undefined && allowListed(name, allowList))
      return { container, name, value, redacted: false };
    return { container, name, value: MASK, redacted: true };
  });
}

/** The values that must not be published: every override value that was masked. */
export function maskedValues(
  environment: readonly EnvironmentOverride[],
  redacted: readonly RedactedVariable[],
): string[] {
  const values = environment.flatMap((e, i) =>
    redacted[i]?.redacted && e.value !== undefined ? [e.value] : [],
  );
  // Longest first, so a value containing another is replaced whole.
  return [...new Set(values)].filter((v) => v.length >= MIN_SCRUB_LENGTH).sort((a, b) => b.length - a.length);
}

/**
 * A copy of `value` (strings, arrays, plain objects, keys included) with every secret replaced by
 * MASK, then every well-known credential shape by CREDENTIAL_MASK.
 */
export function scrubSecrets<T>(value: T, secrets: readonly string[]): T {
  const scrub = (input: unknown): unknown => {
    if (typeof input === 'string') return scrubString(input, secrets);
    if (Array.isArray(input)) return input.map(scrub);
    if (input !== null && typeof input === 'object') {
      return Object.fromEntries(Object.entries(input).map(([k, v]) => [scrubString(k, secrets), scrub(v)]));
    }
    return input;
  };
  return scrub(value) as T;
}

function scrubString(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(MASK);
  return scrubCredentials(out);
}
