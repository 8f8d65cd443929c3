// The simulator page (webview script + inlined stylesheet under a nonce CSP) and the plain
// message pages a panel shows while it has no scenario (restoring, or the scenario is gone).

import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { SIMULATOR_CSS } from '../../webview/style';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);
}

export function simulatorHtml(webview: vscode.Webview, dist: vscode.Uri): string {
  const nonce = randomBytes(16).toString('hex');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js'));
  const csp = `default-src 'none'; script-src 'nonce-${nonce}'; style-src ${webview.cspSource} 'nonce-${nonce}';`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Refcount Review simulator</title>
<style nonce="${nonce}">${SIMULATOR_CSS}</style>
</head>
<body>
<p class="loading">Loading the simulator…</p>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}

/** A page with one message and no script (a restored panel waiting for its review, or one with nothing to show). */
export function messageHtml(text: string): string {
  const nonce = randomBytes(16).toString('hex');
  return `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${nonce}';">
<style nonce="${nonce}">${SIMULATOR_CSS}</style></head><body><p id="message" class="loading">${escapeHtml(text)}</p></body></html>`;
}
