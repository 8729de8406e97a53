/** Which statements may appear in a model body and which in a block body. */
import type * as A from '../../syntax/ast.js';

/**
 * Statements that belong to only one kind of body: `config`, `input`, `output` and `loss` to
 * models; `in` and `out` to blocks. Shared with the rule that checks uninstantiated blocks.
 */
export function misplacement(s: A.Stmt, isModel: boolean): { message: string; help: string } | undefined {
  const message = `this statement is not allowed in a ${isModel ? 'model' : 'block'}`;
  switch (s.kind) {
    case 'ConfigBlock':
      return isModel ? undefined : { message, help: 'a block takes its configuration as parameters: `block Name(d_model: int, ...)`' };
    case 'InputDecl':
      if (isModel === (s.keyword === 'input')) return undefined;
      return { message, help: s.keyword === 'in' ? 'a model declares its inputs with `input`' : 'a block declares its ports with `in`' };
    case 'OutStmt':
      if (isModel === (s.keyword === 'output')) return undefined;
      return { message, help: s.keyword === 'out' ? '`out` gives a block its result; a model declares `output name = ...`' : '`output` declares a model output; a block gives its result with `out`' };
    case 'LossStmt':
      return isModel ? undefined : { message, help: '`loss` belongs in a model' };
    default:
      return undefined;
  }
}
