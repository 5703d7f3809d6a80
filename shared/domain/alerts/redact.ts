/**
 * Environment overrides in a task event (`overrides.containerOverrides[].environment`) often carry
 * credentials passed to RunTask. Their values are masked unless the name is allow-listed, and a
 * name that looks like a secret is masked even when allow-listed. As a second line of defence,
 * every masked value is scrubbed from the whole published message, wherever else it appears.
 */
import type { EnvironmentOverride } from './task-event';

/** Names that hold secrets, whatever the allow-list says. */
export const SECRET_NAME_PATTERN =
  /pass(?:word|wd|phrase)?|secret|token|key|credential|cred\b|auth|private|cert|signature|salt|session|cookie|pwd|dsn|conn(?:ection)?_?str|bearer|jwt|otp|pin\b/i;

export const MASK = '[redacted]';
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

/** A copy of `value` (strings, arrays, plain objects, keys included) with every secret replaced by MASK. */
export function scrubSecrets<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value;
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
  return out;
}
