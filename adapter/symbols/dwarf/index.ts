// Public API of the DWARF layer (one file per section behind it, as gimli does).
export * from './offsets';
export * from './constants';
export { AbbrevTable, type Abbrev, type AttrSpec } from './abbrev';
export { readValue, skipValue, fixedFormSize, type RawValue, type FormContext } from './form';
export { Unit, readUnitHeader, type UnitHeader, type UnitBases, type AttrValue, type Attribute } from './unit';
export { Die } from './die';
export { Dwarf } from './dwarf';
export { readRanges, readDebugRanges, readRngList, type PcRange } from './ranges';
export { ArangeTable, parseAranges, type ArangeEntry } from './aranges';
export { LineProgram, type LineRow, type FileEntry } from './line';
export { dwarfSectionsOf, type DwarfSections } from './sections';
export { stringAt, strOffsetAt, addressAt } from './strings';
