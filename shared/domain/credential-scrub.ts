/**
 * Scrubbing of credentials from free text that leaves the system (job results, API refusals, log
 * lines). Error texts of AWS services can quote the access key ID a request was signed with; an
 * access key ID alone is not a secret, but it names the key to attack and, with the secret that
 * may sit next to it, is a credential: it is never published.
 */

/** AWS access key IDs: long-term (AKIA) and temporary (ASIA), 20 characters. */
const ACCESS_KEY_ID = /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g;

/** What a scrubbed credential is replaced with. */
export const SCRUBBED = '[REDACTED]';

/**
 * `text` with every AWS access key ID, and every one of the `known` secrets (e.g. the job's own
 * secret access key and session token), replaced by SCRUBBED.
 */
export function scrubCredentials(text: string, known: readonly string[] = []): string {
  let scrubbed = text;
  // Longest first, so a secret that contains another is replaced whole. Short values are skipped:
  // replacing a 3-character "secret" everywhere would garble the text and protect nothing.
  for (const secret of [...known].filter((s) => s.length >= 8).sort((a, b) => b.length - a.length)) {
    scrubbed = scrubbed.split(secret).join(SCRUBBED);
  }
  return scrubbed.replace(ACCESS_KEY_ID, SCRUBBED);
}
