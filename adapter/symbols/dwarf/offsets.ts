// Typed section offsets (CONVENTIONS #6): a .debug_info offset cannot index .debug_line.

export type DebugInfoOffset = number & { readonly __brand: 'DebugInfoOffset' };
export type DebugAbbrevOffset = number & { readonly __brand: 'DebugAbbrevOffset' };
export type DebugLineOffset = number & { readonly __brand: 'DebugLineOffset' };
export type DebugStrOffset = number & { readonly __brand: 'DebugStrOffset' };
export type DebugLineStrOffset = number & { readonly __brand: 'DebugLineStrOffset' };
export type DebugRangesOffset = number & { readonly __brand: 'DebugRangesOffset' };
export type DebugRngListsOffset = number & { readonly __brand: 'DebugRngListsOffset' };
export type DebugLocOffset = number & { readonly __brand: 'DebugLocOffset' };
export type DebugLocListsOffset = number & { readonly __brand: 'DebugLocListsOffset' };
export type DebugAddrOffset = number & { readonly __brand: 'DebugAddrOffset' };
export type DebugStrOffsetsOffset = number & { readonly __brand: 'DebugStrOffsetsOffset' };

/** Section offsets are JS numbers: sections are below 2^53 bytes; 64-bit DWARF values above that are rejected. */
export const infoOffset = (n: number) => n as DebugInfoOffset;
export const abbrevOffset = (n: number) => n as DebugAbbrevOffset;
export const lineOffset = (n: number) => n as DebugLineOffset;
export const rangesOffset = (n: number) => n as DebugRangesOffset;
export const rnglistsOffset = (n: number) => n as DebugRngListsOffset;
export const locOffset = (n: number) => n as DebugLocOffset;
export const loclistsOffset = (n: number) => n as DebugLocListsOffset;
