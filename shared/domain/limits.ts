/**
 * The hard limits of the stores and identities Greenlight writes to, in one place, so every
 * schema that feeds a key, an item or an ARN field refuses what the store would refuse (a clear
 * 4xx or a logged skip) instead of meeting a ValidationException at write time.
 *
 * Sources: DynamoDB "Service, account, and table quotas" (partition key 1..2,048 bytes, sort key
 * 1..1,024 bytes, item 400 KB including attribute names, all UTF-8); IAM "IAM and AWS STS quotas"
 * (path up to 512 characters, user/role name up to 64, so a user ARN reaches about 600 characters;
 * an assumed-role session name up to 64).
 */

/** DynamoDB partition key value: at most 2,048 bytes (UTF-8). */
export const DYNAMODB_PARTITION_KEY_MAX_BYTES = 2048;
/** DynamoDB sort key value: at most 1,024 bytes (UTF-8). */
export const DYNAMODB_SORT_KEY_MAX_BYTES = 1024;
/** DynamoDB item: at most 400 KB, attribute names and values together (UTF-8). */
export const DYNAMODB_ITEM_MAX_BYTES = 400 * 1024;

/** IAM path: at most 512 characters. */
export const IAM_PATH_MAX_LENGTH = 512;
/** IAM user or role name: at most 64 characters. */
export const IAM_NAME_MAX_LENGTH = 64;
/** STS role session name: at most 64 characters. */
export const IAM_SESSION_NAME_MAX_LENGTH = 64;
/**
 * An ARN as IAM and STS APIs accept it (their `arnType`: 20 to 2,048 characters). The longest
 * caller ARN IAM actually produces is far shorter: a user ARN with a 512-character path and a
 * 64-character name is about 610 characters, an assumed-role ARN about 170.
 */
export const IAM_ARN_MAX_LENGTH = 2048;

/** The UTF-8 length of `s` in bytes (what DynamoDB counts), without node:buffer. */
export function utf8Bytes(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}
