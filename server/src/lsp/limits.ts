// What the server refuses to review, and why: the reason is shown to the user instead of a review.

export const MAX_FILE_BYTES = 2 * 1024 * 1024;

export function tooLarge(bytes: number): string {
  return `file is ${(bytes / 1024 / 1024).toFixed(1)} MB, over the ${MAX_FILE_BYTES / 1024 / 1024} MB limit; not reviewed`;
}

/** Why `text` is not reviewed, or undefined when it is fine. */
export function skipReason(text: string): string | undefined {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_FILE_BYTES) {
    return tooLarge(bytes);
  }
  // An editor decodes a non-UTF-8 file into replacement characters; NULs mean binary content.
  if (text.includes('\u0000')) return 'file contains NUL bytes (binary, not Rust source); not reviewed';
  if (text.includes('\uFFFD')) return 'file is not valid UTF-8 text; not reviewed';
  return undefined;
}

/** Same check on raw bytes from disk (workspace scan), where invalid UTF-8 can be detected exactly. */
export function decodeSource(bytes: Uint8Array): { text: string } | { skipped: string } {
  if (bytes.byteLength > MAX_FILE_BYTES) {
    return { skipped: tooLarge(bytes.byteLength) };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { skipped: 'file is not valid UTF-8 text; not reviewed' };
  }
  if (text.includes('\u0000')) return { skipped: 'file contains NUL bytes (binary, not Rust source); not reviewed' };
  return { text };
}

export function isReviewable(uri: string, languageId?: string): boolean {
  return languageId === 'rust' || /\.rs$/i.test(uri);
}
