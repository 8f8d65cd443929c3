// The TextMate grammar cannot be run without VS Code's Oniguruma here, but its patterns use only
// syntax JavaScript shares, so compiling them in JS catches typos; a few spot checks make sure the
// scopes a theme colours land where they should.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const grammar = JSON.parse(readFileSync(path.join(ROOT, 'syntaxes/litmus.tmLanguage.json'), 'utf8'));
const config = JSON.parse(readFileSync(path.join(ROOT, 'syntaxes/litmus.language-configuration.json'), 'utf8'));

type Rule = { name?: string; match?: string; begin?: string; end?: string; patterns?: Rule[]; include?: string };
function rules(): Rule[] {
  const out: Rule[] = [];
  const walk = (r: Rule) => { out.push(r); r.patterns?.forEach(walk); };
  grammar.patterns.forEach(walk);
  Object.values(grammar.repository as Record<string, Rule>).forEach(walk);
  return out;
}
const named = (name: string) => rules().find(r => r.name === name);

test('the grammar and configuration are what package.json points at', () => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  assert.equal(grammar.scopeName, 'source.litmus');
  assert.equal(pkg.contributes.grammars[0].scopeName, 'source.litmus');
  assert.equal(config.comments.lineComment, '//');
  assert.deepEqual(config.comments.blockComment, ['(*', '*)']);
});

test('every pattern compiles and every include resolves', () => {
  for (const r of rules()) {
    for (const re of [r.match, r.begin, r.end]) if (re !== undefined) assert.doesNotThrow(() => new RegExp(re, 'm'), re);
    if (r.include?.startsWith('#')) assert.ok(grammar.repository[r.include.slice(1)], `missing ${r.include}`);
  }
});

test('spot checks: memory orders, atomics, comments, header', () => {
  const re = (name: string) => new RegExp(named(name)!.match!);
  assert.match('memory_order_acq_rel', re('support.constant.memory-order.litmus'));
  assert.doesNotMatch('memory_order_foo', re('support.constant.memory-order.litmus'));
  assert.match('memory_order_foo', re('invalid.illegal.memory-order.litmus'));
  assert.match('atomic_compare_exchange_strong_explicit(', re('support.function.atomic.litmus'));
  assert.match('atomic_thread_fence(', re('support.function.fence.litmus'));
  const ocaml = new RegExp(grammar.repository['ocaml-comment'].begin);
  assert.match('(* expect: outcome=never *)', ocaml);
  assert.doesNotMatch('(*x)', ocaml); // a parenthesised dereference is code, as in the reader
  const header = new RegExp(grammar.repository.header.match);
  const m = header.exec('C MP+rel+acq (* note *)');
  assert.equal(m?.[2], 'MP+rel+acq');
});
