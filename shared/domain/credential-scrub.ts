/**
 * Scrubbing of credentials from free text that leaves the system (job results, API refusals, log
 * lines). Error texts of AWS services can quote the access key ID a request was signed with; an
 * access key ID alone is not a secret, but it names the key to attack and, with the secret that
 * may sit next to it, is a credential: it is never published.
 */
import { CREDENTIAL_MASK, scrubCredentials as scrubCredentialShapes } from './alerts/redact';

/** What a scrubbed credential is replaced with: the alerts' mask, one scrubber for every output. */
export const SCRUBBED = CREDENTIAL_MASK;

/**
 * `text` with every one of the `known` secrets (e.g. the job's own secret access key and session
 * token), then every well-known credential shape (alerts/redact.ts: access key IDs, labelled
 * secret keys and tokens), replaced by SCRUBBED.
 */
export function scrubCredentials(text: string, known: readonly string[] = []): string {
  let scrubbed = text;
  // Longest first, so a secret that contains another is replaced whole. Short values are skipped:
  // replacing a 3-character "secret" everywhere would garble the text and protect nothing.
  for (const secret of [...known].filter((s) => s.length >= 8).sort((a, b) => b.length - a.length)) {
    scrubbed = scrubbed.split(secret).join(SCRUBBED);
  }
  return scrubCredentialShapes(scrubbed);
}
