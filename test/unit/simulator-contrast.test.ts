// The simulator's verdict is readable in every default theme: WCAG contrast of the colours
// style.ts gives the verdict text (4.5:1) and its colour marks (3:1, graphics), computed with the
// values VS Code's default themes give those variables and with the stylesheet's own fallbacks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SIMULATOR_CSS } from '../../client/webview/style';

function channel(v: number): number {
  const s = v / 255;
  return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}
function luminance(hex: string): number {
  let h = hex.replace('#', '');
  if (h.length === 3) h = [...h].map(x => x + x).join('');
  const [r, g, b] = [0, 2, 4].map(i => parseInt(h.slice(i, i + 2), 16));
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}
function contrast(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)].sort((m, n) => n - m);
  return (x + 0.05) / (y + 0.05);
}

/** The last `prop: var(--vscode-x, #fallback)` among the rules for exactly `selector`. */
function declaration(selector: string, prop: string): { variable: string; fallback: string } {
  const rules = [...SIMULATOR_CSS.matchAll(new RegExp(`(?:^|\\n)${selector.replace(/[.#:]/g, '\\$&')} \\{([^}]*)\\}`, 'g'))];
  let found: { variable: string; fallback: string } | undefined;
  for (const rule of rules) {
    const decl = new RegExp(`(?:^|[;{\\s])${prop}: var\\((--vscode-[\\w-]+), (#[0-9a-fA-F]{3,6})\\)`).exec(rule[1]);
    if (decl) found = { variable: decl[1], fallback: decl[2] };
  }
  assert.ok(found, `${selector} sets ${prop} from a theme variable with a fallback`);
  return found;
}

// VS Code 1.100's values: Light Modern and Dark Modern (theme-defaults), High Contrast and High
// Contrast Light (the colour registry's defaults for those theme kinds).
const THEMES: Record<string, Record<string, string>> = {
  'light modern': { '--vscode-editor-background': '#ffffff', '--vscode-foreground': '#3b3b3b', '--vscode-errorForeground': '#f85149', '--vscode-charts-green': '#388a34' },
  'dark modern': { '--vscode-editor-background': '#1f1f1f', '--vscode-foreground': '#cccccc', '--vscode-errorForeground': '#f85149', '--vscode-charts-green': '#89d185' },
  'high contrast': { '--vscode-editor-background': '#000000', '--vscode-foreground': '#ffffff', '--vscode-errorForeground': '#f48771', '--vscode-charts-green': '#89d185' },
  'high contrast light': { '--vscode-editor-background': '#ffffff', '--vscode-foreground': '#292929', '--vscode-errorForeground': '#b5200d', '--vscode-charts-green': '#374e06' },
};

const TEXT = ['#verdict.race', '#verdict.clean', '#gone', '#notice'];
const MARKS: [string, string][] = [['#verdict.race', 'border-left-color'], ['#verdict.clean', 'border-left-color'], ['#verdict.race::before', 'color'], ['#verdict.clean::before', 'color']];

test('verdict text has 4.5:1 and its colour marks 3:1 against the page, with the stylesheet fallbacks', () => {
  const bg = declaration('body', 'background').fallback;
  for (const sel of TEXT) {
    const fg = declaration(sel, 'color').fallback;
    assert.ok(contrast(fg, bg) >= 4.5, `${sel}: ${fg} on ${bg} is ${contrast(fg, bg).toFixed(2)}:1`);
  }
  for (const [sel, prop] of MARKS) {
    const fg = declaration(sel, prop).fallback;
    assert.ok(contrast(fg, bg) >= 3, `${sel} ${prop}: ${fg} on ${bg} is ${contrast(fg, bg).toFixed(2)}:1`);
  }
});

for (const [name, theme] of Object.entries(THEMES)) {
  test(`verdict text has 4.5:1 and its colour marks 3:1 in ${name}`, () => {
    const bg = theme[declaration('body', 'background').variable];
    const value = (sel: string, prop: string) => {
      const v = theme[declaration(sel, prop).variable];
      assert.ok(v, `the table has ${declaration(sel, prop).variable}`);
      return v;
    };
    for (const sel of TEXT) {
      const fg = value(sel, 'color');
      assert.ok(contrast(fg, bg) >= 4.5, `${sel}: ${fg} on ${bg} is ${contrast(fg, bg).toFixed(2)}:1`);
    }
    for (const [sel, prop] of MARKS) {
      const fg = value(sel, prop);
      assert.ok(contrast(fg, bg) >= 3, `${sel} ${prop}: ${fg} on ${bg} is ${contrast(fg, bg).toFixed(2)}:1`);
    }
  });
}

test('the colours the verdict text used before fail in Light Modern (why the text is not red or green)', () => {
  assert.ok(contrast('#f85149', '#ffffff') < 4.5);
  assert.ok(contrast('#73c991', '#ffffff') < 3);
});

// The execution graph's relation lines are graphics (3:1), their labels and the boxes' text are
// text in the foreground colour (covered by the verdict checks above).
const GRAPH_LINES = ['rf', 'mo', 'fr', 'sw', 'hb', 'race'].map(r => `.execgraph .${r} .line`);

test('the execution graph\'s relation lines have 3:1 against the page with the stylesheet fallbacks', () => {
  const bg = declaration('body', 'background').fallback;
  for (const sel of GRAPH_LINES) {
    const fg = declaration(sel, 'stroke').fallback;
    assert.ok(contrast(fg, bg) >= 3, `${sel}: ${fg} on ${bg} is ${contrast(fg, bg).toFixed(2)}:1`);
  }
  assert.equal(declaration('.execgraph .elabel', 'stroke').variable, '--vscode-editor-background', 'labels sit on a halo of the page colour');
});
