// Demangling: scheme detection, known Rust legacy/v0/C++ examples, and the hand-written
// Rust legacy fallback (used when the WebAssembly demangler is missing).
import assert from 'node:assert/strict';
import { demangle, fullDemanglerAvailable, manglingScheme } from '../../../../adapter/symbols/demangle';
import { demangleRustLegacy } from '../../../../adapter/symbols/demangle/rustLegacy';

describe('demangle', () => {
  it('detects the mangling scheme', () => {
    assert.equal(manglingScheme('_ZN4core3fmt5write17h0123456789abcdefE'), 'rust-legacy');
    assert.equal(manglingScheme('_RNvCs1234_7mycrate4main'), 'rust-v0');
    assert.equal(manglingScheme('_ZN9wikipedia7article6formatEv'), 'itanium');
    assert.equal(manglingScheme('kmain'), 'none');
  });
  it('demangles Rust legacy, v0 and C++ with the WebAssembly demangler', () => {
    assert.ok(fullDemanglerAvailable());
    assert.equal(demangle('_ZN4core3fmt5write17h0123456789abcdefE'), 'core::fmt::write');
    assert.equal(demangle('_ZN1r5outer14Thing$LT$T$GT$3get17h53feff8eb3411b34E'), 'r::outer::Thing<T>::get');
    assert.equal(demangle('_RNvCs1234_7mycrate4main'), 'mycrate::main');
    assert.equal(demangle('_RINvMNtCsgEmfK2I1SDS_4core3stre18trim_start_matchesReECsgY6Mt91CT9J_14rustc_demangle'), '<str>::trim_start_matches::<&str>');
    assert.equal(demangle('_ZNSt6vectorIiSaIiEE9push_backERKi'), 'std::vector<int, std::allocator<int> >::push_back(int const&)');
  });
  it('leaves plain and malformed names alone', () => {
    for (const n of ['kmain', '_start', '_Z', '_R', '_ZN3fooE9', '__ZN']) assert.equal(demangle(n), n);
  });
  it('hand-written Rust legacy fallback: escapes, `..`, hash removal', () => {
    assert.equal(demangleRustLegacy('_ZN4core3ptr85drop_in_place$LT$std..rt..lang_start$LT$$LP$$RP$$GT$..$u7b$$u7b$closure$u7d$$u7d$$GT$17h0123456789abcdefE'),
      'core::ptr::drop_in_place<std::rt::lang_start<()>::{{closure}}>');
    assert.equal(demangleRustLegacy('_ZN3std2io5stdio6_print17h0123456789abcdefE'), 'std::io::stdio::_print');
    assert.equal(demangleRustLegacy('_ZN4kern29_$LT$impl$u20$kern..Frame$GT$3pfn17h0123456789abcdefE'), 'kern::<impl kern::Frame>::pfn');
    assert.equal(demangleRustLegacy('_ZN3foo3barE'), 'foo::bar');
    assert.equal(demangleRustLegacy('_ZN99foo'), undefined);
    assert.equal(demangleRustLegacy('main'), undefined);
  });
});
