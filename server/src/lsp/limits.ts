// What the server refuses to review, and why: the reason is shown to the user instead of a review.
// Files on disk follow the shared rules of ../sourceFiles; this is the check for editor buffers.

import { MAX_SOURCE_BYTES, tooLarge } from '../sourceFiles';

export const MAX_FILE_BYTES = MAX_SOURCE_BYTES;
export { tooLarge };

/**
 * Why an editor buffer is not reviewed, or undefined when it is fine. A U+FFFD in a buffer is
 * ordinary text (a comment may hold one); invalid bytes on disk are caught by the strict decoder
 * when files are read, never guessed from the decoded text.
 */
export function skipReason(text: string): string | undefined {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_FILE_BYTES) return tooLarge(bytes);
  if (text.includes('\u0000')) return 'file contains NUL bytes (binary, not Rust source); not reviewed';
  return undefined;
}

export function isReviewable(uri: string, languageId?: string): boolean {
  return languageId === 'rust' || /\.rs$/i.test(uri);
}
