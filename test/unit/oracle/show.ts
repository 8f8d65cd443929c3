// Renders a straight-line program as short pseudo-code, one thread per line, so a failing seed in
// the differential test can be read at a glance (the JSON is printed too, for replaying it).

import type { Expr, Instr, Program } from '../../../server/src/memory/ir';

function expr(e: Expr): string {
  switch (e.k) {
    case 'const': return String(e.v);
    case 'reg': return e.r;
    case 'not': return `!${expr(e.a)}`;
    case 'bin': return `(${expr(e.a)} ${e.op} ${expr(e.b)})`;
  }
}

function instr(i: Instr): string {
  switch (i.k) {
    case 'load': return `${i.reg ?? '_'} = ${i.loc}.load(${i.mo})`;
    case 'store': return `${i.loc}.store(${expr(i.val)}, ${i.mo})`;
    case 'rmw': return `${i.reg ?? '_'} = ${i.loc}.fetch_${i.op}(${expr(i.val)}, ${i.mo})`;
    case 'cas':
      return `${i.reg ?? '_'},${i.okReg ?? '_'} = ${i.loc}.cas${i.weak ? '_weak' : ''}(${expr(i.expected)} -> ${expr(i.desired)}, ${i.succ}, ${i.fail})`;
    case 'update':
      return `${i.oldReg},${i.okReg ?? '_'} = ${i.loc}.update(${i.guard ? expr(i.guard) : 'true'} ? ${expr(i.next)}, ${i.succ}, ${i.fail})`;
    case 'fence': return `fence(${i.mo})`;
    case 'let': return `${i.reg} = ${expr(i.val)}`;
    default: return i.k;
  }
}

export function showProgram(p: Program): string {
  const locs = p.locations.map(l => `${l.atomic ? 'atomic ' : ''}${l.name}=${l.init}`).join(', ');
  const threads = p.threads.map((t, n) => `  T${n}: ${t.body.map(instr).join('; ')}`);
  return [`${p.name} { ${locs} }`, ...threads].join('\n');
}
