// Syntax tree of an expression; every node keeps its source offset for error messages.

export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '<<' | '>>' | '<' | '>' | '<=' | '>=' | '==' | '!=' |
  '&' | '|' | '^' | '&&' | '||';
export type UnaryOp = '-' | '+' | '~' | '!' | '*' | '&';

/** A type as written in a cast or sizeof: a base name plus pointer depth. */
export interface TypeRef {
  /** `u64`, `unsigned long`, `struct Foo`, `exo::cpu::PerCpu`. */
  readonly base: string;
  readonly pointers: number;
}

export type Expr =
  | { readonly kind: 'int'; readonly pos: number; readonly value: bigint; readonly suffix: string; readonly radix: number }
  | { readonly kind: 'float'; readonly pos: number; readonly value: number }
  | { readonly kind: 'char'; readonly pos: number; readonly value: bigint }
  | { readonly kind: 'name'; readonly pos: number; readonly name: string }
  | { readonly kind: 'register'; readonly pos: number; readonly name: string }
  | { readonly kind: 'unary'; readonly pos: number; readonly op: UnaryOp; readonly operand: Expr }
  | { readonly kind: 'binary'; readonly pos: number; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'ternary'; readonly pos: number; readonly cond: Expr; readonly then: Expr; readonly else: Expr }
  | { readonly kind: 'cast'; readonly pos: number; readonly type: TypeRef; readonly operand: Expr }
  | { readonly kind: 'sizeof'; readonly pos: number; readonly type?: TypeRef; readonly operand?: Expr }
  | { readonly kind: 'member'; readonly pos: number; readonly object: Expr; readonly field: string; readonly arrow: boolean }
  | { readonly kind: 'index'; readonly pos: number; readonly object: Expr; readonly index: Expr }
  | { readonly kind: 'assign'; readonly pos: number; readonly target: Expr; readonly value: Expr };
