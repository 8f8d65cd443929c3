// The simulator's stylesheet. The host inlines it in a <style nonce> element, so the CSP needs no
// 'unsafe-inline' and there is no extra file to ship. Colours come from VS Code's theme
// variables (light, dark and high contrast); the fallbacks only matter in the test harness page.

import { RELATIONS } from './graph';

export const SIMULATOR_CSS = `
:root { color-scheme: light dark; }
body {
  margin: 0; padding: 8px 12px 24px;
  font-family: var(--vscode-font-family, system-ui, sans-serif);
  font-size: var(--vscode-font-size, 13px);
  color: var(--vscode-foreground, #333);
  background: var(--vscode-editor-background, #ffffff);
}
code, .code { font-family: var(--vscode-editor-font-family, monospace); font-size: var(--vscode-editor-font-size, 13px); }
h1 { font-size: 1.15em; margin: 0 0 4px; font-weight: 600; }
h2 { font-size: 1em; margin: 14px 0 6px; font-weight: 600; }
.muted { color: var(--vscode-descriptionForeground, #717171); }
button {
  font: inherit; padding: 3px 9px; margin: 0 4px 4px 0; cursor: pointer;
  color: var(--vscode-button-secondaryForeground, var(--vscode-button-foreground, #fff));
  background: var(--vscode-button-secondaryBackground, #5f6a79);
  border: 1px solid var(--vscode-button-border, transparent); border-radius: 2px;
}
button.primary { color: var(--vscode-button-foreground, #fff); background: var(--vscode-button-background, #0e639c); }
button:hover:not(:disabled) { background: var(--vscode-button-secondaryHoverBackground, var(--vscode-button-hoverBackground, #4c5561)); }
button.primary:hover:not(:disabled) { background: var(--vscode-button-hoverBackground, #1177bb); }
button:disabled { opacity: 0.5; cursor: default; }
:focus-visible { outline: 1px solid var(--vscode-focusBorder, #0090f1); outline-offset: 1px; }
select {
  font: inherit; padding: 1px 2px;
  color: var(--vscode-dropdown-foreground, inherit); background: var(--vscode-dropdown-background, transparent);
  border: 1px solid var(--vscode-dropdown-border, #888);
}
kbd { font-family: var(--vscode-editor-font-family, monospace); font-size: 0.85em; padding: 0 3px; border: 1px solid var(--vscode-widget-border, #8888); border-radius: 3px; }

#head { position: sticky; top: 0; z-index: 3; background: var(--vscode-editor-background, #fff); padding-bottom: 6px; border-bottom: 1px solid var(--vscode-panel-border, #8884); }
#refcount { display: flex; align-items: baseline; gap: 8px; flex-wrap: wrap; margin: 4px 0; }
#refcount .value { font-size: 1.9em; font-weight: 700; font-family: var(--vscode-editor-font-family, monospace); }
#verdict { margin: 4px 0; font-weight: 600; }
/* Verdict text is in the text colour: the themes' red and green (errorForeground, charts.green)
   are under 4.5:1 on light backgrounds (Light Modern's red is 3.4:1). The colour marks the verdict
   through its border and sign, which need 3:1 as graphics. */
#verdict { padding-left: 6px; border-left: 4px solid transparent; color: var(--vscode-foreground, #333333); }
#verdict.race { color: var(--vscode-foreground, #333333); border-left-color: var(--vscode-errorForeground, #c72e2e); }
#verdict.clean { color: var(--vscode-foreground, #333333); border-left-color: var(--vscode-charts-green, #388a34); }
#verdict.race::before { content: '\\2717  '; color: var(--vscode-errorForeground, #c72e2e); }
#verdict.clean::before { content: '\\2713  '; color: var(--vscode-charts-green, #388a34); }
#gone { margin: 6px 0; padding: 6px 8px; font-weight: 600; color: var(--vscode-foreground, #333333);
  border-left: 4px solid var(--vscode-editorWarning-foreground, #bf8803); background: var(--vscode-inputValidation-warningBackground, #bf880318); }
#gone:empty, #notice:empty, #others:empty, #ordernote:empty { display: none; }
body.is-gone #controls, body.is-gone #gridwrap, body.is-gone #legend, body.is-gone #memory-head, body.is-gone #memory, body.is-gone #graph { display: none; }
#notice { margin: 4px 0; color: var(--vscode-foreground, #333333); }
#others { margin: 4px 0; }
button.link { background: none; border: none; padding: 0 4px; margin: 0; text-align: left; text-decoration: underline; color: var(--vscode-textLink-foreground, #006ab1); }
button.link:hover:not(:disabled) { background: none; color: var(--vscode-textLink-activeForeground, #006ab1); }
#ordernote { margin: 4px 0; font-style: italic; }
.loading { color: var(--vscode-descriptionForeground, #717171); }
#controls { margin-top: 6px; }
#position { margin-left: 4px; white-space: nowrap; }
#empty { margin: 10px 0; }
#empty:empty { display: none; }
.hidden { display: none; }
#explanation {
  margin: 8px 0; padding: 6px 8px; border-left: 3px solid var(--vscode-errorForeground, #c72e2e);
  background: var(--vscode-inputValidation-errorBackground, #c72e2e18);
}
#explanation:empty { display: none; }
#gloss { margin: 8px 0 0; font-weight: 600; }
#gloss:empty { display: none; }

#gridwrap { position: relative; margin-top: 8px; overflow-x: auto; }
#grid { display: grid; column-gap: 40px; row-gap: 3px; position: relative; z-index: 1; min-width: min-content; }
#arrows { position: absolute; left: 0; top: 0; z-index: 2; pointer-events: none; overflow: visible; }
.colhead { font-weight: 600; padding: 2px 6px; border-bottom: 1px solid var(--vscode-panel-border, #8884); }
.stepno { text-align: right; padding: 4px 2px; color: var(--vscode-descriptionForeground, #717171); font-variant-numeric: tabular-nums; }
.cell { padding: 4px 6px; border: 1px solid transparent; border-radius: 3px; min-width: 0; cursor: pointer; }
/* Breaks only where the page put <wbr> (after punctuation): never inside an identifier. */
.cell .code { display: block; white-space: pre-wrap; overflow-wrap: normal; word-break: keep-all; }
.code .seg { white-space: nowrap; }
.cell .lineno { margin-right: 6px; font-size: 0.85em; color: var(--vscode-editorLineNumber-foreground, #6e7681); font-variant-numeric: tabular-nums; }
.cell.current .lineno { color: inherit; }
.cell.synthetic .code { font-family: var(--vscode-font-family, system-ui, sans-serif); font-style: italic; }
.cell.hover { outline: 2px solid var(--vscode-focusBorder, #0090f1); outline-offset: -1px; }
.cell .detail { display: block; font-size: 0.9em; color: var(--vscode-descriptionForeground, #717171); }
.row-future { opacity: 0.45; }
.cell.current { background: var(--vscode-list-activeSelectionBackground, #0060c0); color: var(--vscode-list-activeSelectionForeground, #fff); border-color: var(--vscode-focusBorder, #0090f1); }
.cell.current .detail { color: inherit; }
.cell.linked { border-style: dashed; border-color: var(--vscode-editorLink-activeForeground, var(--vscode-focusBorder, #0090f1)); }
.cell.source { background: var(--vscode-editor-rangeHighlightBackground, #fdff0033); }
.cell.race { border-color: var(--vscode-errorForeground, #c72e2e); border-width: 2px; }
.cell.stale .detail { color: var(--vscode-editorWarning-foreground, #bf8803); }
.cell:hover:not(.current) { background: var(--vscode-list-hoverBackground, #8881); }

path.arrow { fill: none; stroke-width: 1.6; }
path.rf { stroke: var(--vscode-charts-blue, #3794ff); }
path.sw { stroke: var(--vscode-charts-green, #388a34); stroke-width: 2.2; }
path.hb { stroke: var(--vscode-charts-purple, #a371f7); stroke-dasharray: 4 3; }
path.race { stroke: var(--vscode-errorForeground, #c72e2e); stroke-width: 2.2; stroke-dasharray: 2 3; }
marker path.rf, marker path.sw, marker path.hb, marker path.race { stroke: none; }
marker path.rf { fill: var(--vscode-charts-blue, #3794ff); }
marker path.sw { fill: var(--vscode-charts-green, #388a34); }
marker path.hb { fill: var(--vscode-charts-purple, #a371f7); }
marker path.race { fill: var(--vscode-errorForeground, #c72e2e); }
#legend { margin-top: 6px; font-size: 0.9em; }
#legend span { margin-right: 12px; white-space: nowrap; }
#legend .sw-key { color: var(--vscode-charts-green, #388a34); }
#legend .rf-key { color: var(--vscode-charts-blue, #3794ff); }
#legend .hb-key { color: var(--vscode-charts-purple, #a371f7); }
#legend .race-key { color: var(--vscode-errorForeground, #c72e2e); }

#tracebox { display: flex; flex-wrap: wrap; gap: 8px 28px; align-items: flex-start; }
#tablecol { flex: 1 1 340px; min-width: 0; }
#graph { flex: 1 1 380px; min-width: 0; margin-top: 8px; }
#graph-controls { display: flex; flex-wrap: wrap; align-items: center; gap: 2px 10px; margin-bottom: 4px; }
#graph-controls button { margin: 0; }
.graph-title { font-weight: 600; }
.rel-toggle { white-space: nowrap; cursor: pointer; }
/* Scales down to the panel's width rather than scrolling: 12px text stays legible to about 0.75. */
svg.execgraph { display: block; max-width: 100%; height: auto; font-family: var(--vscode-editor-font-family, monospace); font-size: 12px; }
svg.execgraph .colhead { font-family: var(--vscode-font-family, system-ui, sans-serif); font-weight: 600; }
svg.execgraph text { fill: var(--vscode-foreground, #3b3b3b); }
svg.execgraph .src { font-size: 11px; }
.execgraph .node rect { fill: var(--vscode-editor-background, #ffffff); stroke: var(--vscode-descriptionForeground, #717171); stroke-width: 1; }
.execgraph .node.init rect { stroke-dasharray: 3 2; }
.execgraph .node.race rect { stroke: var(--vscode-errorForeground, #c72e2e); stroke-width: 2; }
.execgraph .node.current rect { stroke: var(--vscode-focusBorder, #0090f1); stroke-width: 2.5; }
.execgraph .node.hl rect { stroke-width: 3; }
.execgraph .node { cursor: pointer; }
.execgraph .node.init { cursor: default; }
.execgraph .node.future { opacity: 0.35; }
.execgraph .edge .line { fill: none; stroke-width: 1.6; }
.execgraph .edge.future { display: none; }
.execgraph.hovering .edge:not(.hl) { opacity: 0.2; }
.execgraph .edge.hl .line { stroke-width: 3; }
/* Labels are text in the text colour on a halo of the page colour; the line carries the relation's colour. */
.execgraph .elabel { font-size: 11px; font-weight: 600; paint-order: stroke; stroke: var(--vscode-editor-background, #ffffff); stroke-width: 4px; }
.execgraph .po .line { stroke: var(--vscode-descriptionForeground, #717171); }
.execgraph .rf .line { stroke: var(--vscode-charts-blue, #1a85ff); }
.execgraph .mo .line { stroke: var(--vscode-charts-yellow, #bf8803); }
.execgraph .fr .line { stroke: var(--vscode-charts-yellow, #bf8803); stroke-dasharray: 6 3; }
.execgraph .sw .line { stroke: var(--vscode-charts-green, #388a34); stroke-width: 2.4; }
.execgraph .hb .line { stroke: var(--vscode-charts-purple, #652d90); stroke-dasharray: 4 3; }
.execgraph .race .line { stroke: var(--vscode-errorForeground, #c72e2e); stroke-width: 2.4; stroke-dasharray: 2 3; }
.execgraph .head.po { fill: var(--vscode-descriptionForeground, #717171); }
.execgraph .head.rf { fill: var(--vscode-charts-blue, #1a85ff); }
.execgraph .head.mo, .execgraph .head.fr { fill: var(--vscode-charts-yellow, #bf8803); }
.execgraph .head.sw { fill: var(--vscode-charts-green, #388a34); }
.execgraph .head.hb { fill: var(--vscode-charts-purple, #652d90); }
.execgraph .head.race { fill: var(--vscode-errorForeground, #c72e2e); }
${RELATIONS.map(r => `.execgraph.hide-${r} .edge.${r}`).join(', ')} { display: none; }
.rel-toggle.mo-key, .rel-toggle.fr-key { border-bottom: 2px solid var(--vscode-charts-yellow, #bf8803); }
.rel-toggle.po-key { border-bottom: 2px solid var(--vscode-descriptionForeground, #717171); }
.rel-toggle.rf-key { border-bottom: 2px solid var(--vscode-charts-blue, #1a85ff); }
.rel-toggle.sw-key { border-bottom: 2px solid var(--vscode-charts-green, #388a34); }
.rel-toggle.hb-key { border-bottom: 2px dashed var(--vscode-charts-purple, #652d90); }
.rel-toggle.race-key { border-bottom: 2px dotted var(--vscode-errorForeground, #c72e2e); }

#memory { display: grid; grid-template-columns: max-content 1fr; gap: 3px 10px; align-items: baseline; }
.loc-name { font-weight: 600; }
.mo { display: flex; flex-wrap: wrap; gap: 4px; align-items: center; }
.mo .w { padding: 0 5px; border: 1px solid var(--vscode-panel-border, #8886); border-radius: 3px; }
.mo .w.latest { font-weight: 700; border-color: var(--vscode-foreground, #333); }
.mo .w.now { background: var(--vscode-editor-rangeHighlightBackground, #fdff0033); }
.mo .w.readnow { outline: 2px solid var(--vscode-focusBorder, #0090f1); }
.mo .w .seen { font-size: 0.9em; }

#toggles { display: grid; grid-template-columns: minmax(0, 1fr) max-content; gap: 4px 10px; align-items: center; }
#toggles .code { overflow-wrap: normal; word-break: keep-all; }
#toggles .changed select { border-color: var(--vscode-inputValidation-warningBorder, #bf8803); border-width: 2px; }
#error { color: var(--vscode-errorForeground, #c72e2e); white-space: pre-wrap; }
#error:empty { display: none; }
`;
