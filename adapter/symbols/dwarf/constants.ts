// DWARF constants (DWARF 5 spec §7) the reader uses; names follow the spec without the DW_ prefix.

export const DW_TAG = {
  array_type: 0x01, class_type: 0x02, entry_point: 0x03, enumeration_type: 0x04, formal_parameter: 0x05,
  label: 0x0a, lexical_block: 0x0b, member: 0x0d, pointer_type: 0x0f, reference_type: 0x10,
  compile_unit: 0x11, string_type: 0x12, structure_type: 0x13, subroutine_type: 0x15, typedef: 0x16,
  union_type: 0x17, unspecified_parameters: 0x18, variant: 0x19, common_block: 0x1a, inlined_subroutine: 0x1d,
  ptr_to_member_type: 0x1f, subrange_type: 0x21, base_type: 0x24, const_type: 0x26, enumerator: 0x28,
  subprogram: 0x2e, template_type_parameter: 0x2f, template_value_parameter: 0x30, variable: 0x34,
  volatile_type: 0x35, namespace: 0x39, imported_module: 0x3a, unspecified_type: 0x3b, partial_unit: 0x3c,
  imported_unit: 0x3d, restrict_type: 0x37, variant_part: 0x33, type_unit: 0x41, rvalue_reference_type: 0x42,
  skeleton_unit: 0x4a, call_site: 0x48, call_site_parameter: 0x49, GNU_call_site: 0x4109,
  atomic_type: 0x47, dynamic_type: 0x46,
} as const;

export const DW_AT = {
  sibling: 0x01, location: 0x02, name: 0x03, byte_size: 0x0b, stmt_list: 0x10, low_pc: 0x11, high_pc: 0x12,
  language: 0x13, comp_dir: 0x1b, const_value: 0x1c, inline: 0x20, producer: 0x25, prototyped: 0x27,
  lower_bound: 0x22, upper_bound: 0x2f, count: 0x37, abstract_origin: 0x31, accessibility: 0x32,
  artificial: 0x34, data_member_location: 0x38, decl_file: 0x3a, decl_line: 0x3b, declaration: 0x3c,
  encoding: 0x3e, external: 0x3f, frame_base: 0x40, specification: 0x47, type: 0x49, ranges: 0x55,
  entry_pc: 0x52, call_column: 0x57, call_file: 0x58, call_line: 0x59, data_bit_offset: 0x6b,
  bit_size: 0x0d, linkage_name: 0x6e, main_subprogram: 0x6a, str_offsets_base: 0x72, addr_base: 0x73,
  rnglists_base: 0x74, dwo_name: 0x76, loclists_base: 0x8c, MIPS_linkage_name: 0x2007,
  GNU_ranges_base: 0x2132, GNU_addr_base: 0x2133, decl_column: 0x39, discr: 0x15, discr_value: 0x16,
} as const;

export const DW_FORM = {
  addr: 0x01, block2: 0x03, block4: 0x04, data2: 0x05, data4: 0x06, data8: 0x07, string: 0x08, block: 0x09,
  block1: 0x0a, data1: 0x0b, flag: 0x0c, sdata: 0x0d, strp: 0x0e, udata: 0x0f, ref_addr: 0x10, ref1: 0x11,
  ref2: 0x12, ref4: 0x13, ref8: 0x14, ref_udata: 0x15, indirect: 0x16, sec_offset: 0x17, exprloc: 0x18,
  flag_present: 0x19, strx: 0x1a, addrx: 0x1b, ref_sup4: 0x1c, strp_sup: 0x1d, data16: 0x1e, line_strp: 0x1f,
  ref_sig8: 0x20, implicit_const: 0x21, loclistx: 0x22, rnglistx: 0x23, ref_sup8: 0x24, strx1: 0x25,
  strx2: 0x26, strx3: 0x27, strx4: 0x28, addrx1: 0x29, addrx2: 0x2a, addrx3: 0x2b, addrx4: 0x2c,
  GNU_addr_index: 0x1f01, GNU_str_index: 0x1f02, GNU_ref_alt: 0x1f20, GNU_strp_alt: 0x1f21,
} as const;

export const DW_UT = { compile: 1, type: 2, partial: 3, skeleton: 4, split_compile: 5, split_type: 6 } as const;

export const DW_INL = { not_inlined: 0, inlined: 1, declared_not_inlined: 2, declared_inlined: 3 } as const;

export const DW_LNS = {
  copy: 1, advance_pc: 2, advance_line: 3, set_file: 4, set_column: 5, negate_stmt: 6, set_basic_block: 7,
  const_add_pc: 8, fixed_advance_pc: 9, set_prologue_end: 10, set_epilogue_begin: 11, set_isa: 12,
} as const;
export const DW_LNE = { end_sequence: 1, set_address: 2, define_file: 3, set_discriminator: 4 } as const;
export const DW_LNCT = { path: 1, directory_index: 2, timestamp: 3, size: 4, MD5: 5 } as const;

export const DW_RLE = {
  end_of_list: 0, base_addressx: 1, startx_endx: 2, startx_length: 3, offset_pair: 4, base_address: 5,
  start_end: 6, start_length: 7,
} as const;

export const DW_LLE = {
  end_of_list: 0, base_addressx: 1, startx_endx: 2, startx_length: 3, offset_pair: 4, default_location: 5,
  base_address: 6, start_end: 7, start_length: 8, GNU_view_pair: 9,
} as const;

export const DW_LANG = { C89: 0x01, C: 0x02, C_plus_plus: 0x04, C99: 0x0c, Rust: 0x1c, C11: 0x1d, C17: 0x2c, Mips_Assembler: 0x8001 } as const;

/** Reverse lookup of a tag name for messages and dumps. */
export function tagName(tag: number): string {
  for (const [k, v] of Object.entries(DW_TAG)) if (v === tag) return `DW_TAG_${k}`;
  return `DW_TAG_0x${tag.toString(16)}`;
}
export function attrName(at: number): string {
  for (const [k, v] of Object.entries(DW_AT)) if (v === at) return `DW_AT_${k}`;
  return `DW_AT_0x${at.toString(16)}`;
}
export function formName(form: number): string {
  for (const [k, v] of Object.entries(DW_FORM)) if (v === form) return `DW_FORM_${k}`;
  return `DW_FORM_0x${form.toString(16)}`;
}
