// Public surface of the expression language used by watch, hover and the Debug Console.
export { Evaluator } from './evaluator';
export type { EvalEnvironment, SymbolValue, Value, Location } from './env';
export type { EvalType, EvalField, StructType, PointerType, ArrayType, EnumType, IntType } from './types';
export { BUILTIN_TYPES, T, sizeOf, typeName, pointerTo } from './types';
export { parseExpression, ParseError } from './parser';
export { tokenize, LexError } from './lexer';
export { formatValue, memoryReference } from './format';
export { complete, fragmentAt, parseMonitorHelp, type CompletionItem, type CompletionSources, type MonitorCommand } from './complete';
export { resolveRegister, COMPLETION_REGISTERS } from './registers';
export type { Expr, TypeRef } from './ast';
export { evalTypeFromSymbols, symbolTypeOf } from './fromSymbols';
export { printValue, type PrintedValue } from './print';
export { parseFormatSpec, type FormattedExpression } from './formatSpec';
export type { IntegerFormat } from '../../symbols/values/format';
