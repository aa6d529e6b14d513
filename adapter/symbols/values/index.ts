// Public API of types, variables and values (what the session and kernel views use).
export { typeFromDie, typeOf, strip, sizeOf, type TypeInfo, type Member, type Variant, type VariantPart, type BaseEncoding } from './types';
export { locationBytes, MemoryError, type MemoryReader, type RegisterReader, type ValueBytes } from './read';
export { formatValue, formatTopLevel, valueNode, ValueRef, bytesSource, memorySource, type RenderContext, type ValueNode, type ValueSource } from './render';
export { scopesAt, unitForPc, subprogramAt, type ScopeFrame } from './scope';
export { readVariable, variableLocation, formatVariable, printVariable, variableNode, describeFrame, type FrameState, type VariableValue } from './variables';
export { GlobalIndex, readGlobal, type SymbolLookup } from './globals';
