// The review speaks file paths (the CLI's language); LSP speaks URIs. Non-file documents
// (untitled buffers) keep their URI as their "file" name so findings can still point back.

import { fileURLToPath, pathToFileURL } from 'node:url';

export function uriToFile(uri: string): string {
  if (uri.startsWith('file:')) {
    try { return fileURLToPath(uri); } catch { return uri; }
  }
  return uri;
}

export function fileToUri(file: string): string {
  if (/^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(file) && !/^[a-zA-Z]:[\\/]/.test(file)) return file; // already a URI (not a Windows drive path)
  return pathToFileURL(file).href;
}

/** Canonical form for map keys: VS Code and other clients differ in percent-encoding (e.g. `%3A`). */
export function normalizeUri(uri: string): string {
  return uri.startsWith('file:') ? fileToUri(uriToFile(uri)) : uri;
}
