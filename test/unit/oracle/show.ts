// Renders a program as short pseudo-code, one thread per line, so a failing seed in
// the differential test can be read at a glance (the JSON is printed too, for replaying it).

import type { Cond, Expr, Instr, Program } from '../../../server/src/memory/ir';

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
    case 'store': return i.lock ? `spin_unlock(${i.loc})` : `${i.loc}.store(${expr(i.val)}, ${i.mo})`;
    case 'rmw': return `${i.reg ?? '_'} = ${i.loc}.fetch_${i.op}(${expr(i.val)}, ${i.mo}${i.noreturn ? ', noreturn' : ''})`;
    case 'cas':
      if (i.lock) return `${i.okReg ? `${i.okReg} = ` : ''}spin_${i.lock}(${i.loc})`;
      return `${i.reg ?? '_'},${i.okReg ?? '_'} = ${i.loc}.cas${i.weak ? '_weak' : ''}(${expr(i.expected)} -> ${expr(i.desired)}, ${i.succ}, ${i.fail})`;
    case 'update':
      return `${i.oldReg},${i.okReg ?? '_'} = ${i.loc}.update(${i.guard ? expr(i.guard) : 'true'} ? ${expr(i.next)}, ${i.succ}, ${i.fail})`;
    case 'fence': return i.kernel ? `${i.kernel}()` : `fence(${i.mo})`;
    case 'let': return `${i.reg} = ${expr(i.val)}`;
    case 'assume': return `assume ${expr(i.cond)}`;
    case 'if': return `if ${expr(i.cond)} { ${i.then.map(instr).join('; ')} }${i.else.length > 0 ? ` else { ${i.else.map(instr).join('; ')} }` : ''}`;
    case 'while': return `while ${expr(i.cond)} [${i.bound}] { ${i.body.map(instr).join('; ')} }`;
  }
}

function cond(x: Cond): string {
  switch (x.k) {
    case 'true': return 'true';
    case 'eqReg': return `${x.thread}:${x.reg}=${x.v}`;
    case 'eqLoc': return `${x.loc}=${x.v}`;
    case 'and': return `(${cond(x.a)} /\\ ${cond(x.b)})`;
    case 'or': return `(${cond(x.a)} \\/ ${cond(x.b)})`;
    case 'not': return `~${cond(x.a)}`;
  }
}

export function showProgram(p: Program): string {
  const locs = p.locations.map(l => `${l.atomic ? 'atomic ' : ''}${l.name}=${l.init}`).join(', ');
  const threads = p.threads.map((t, n) => `  T${n}: ${t.body.map(instr).join('; ')}`);
  const condition = p.condition ? [`  ${p.condition.quantifier} ${cond(p.condition.cond)}`] : [];
  return [`${p.name} { ${locs} }`, ...threads, ...condition].join('\n');
}
