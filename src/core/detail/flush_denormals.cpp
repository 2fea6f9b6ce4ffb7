#include "core/detail/flush_denormals.h"

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define CRITNET_HAS_MXCSR 1
#endif

#include <algorithm>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace critnet::core::detail {
namespace {

#ifdef CRITNET_HAS_MXCSR
constexpr unsigned kFtzDaz = 0x8040;  // MXCSR bit 15 (flush to zero) and bit 6 (DAZ)

thread_local int t_depth = 0;
thread_local unsigned t_saved = 0;

// Sets the bits in the workers of this thread's OpenMP team (on), or gives every worker the
// calling thread's bits from before (off). Workers that a parallel region creates meanwhile
// inherit the set bits, so the restoring region spans at least every processor.
void in_workers(bool on) {
#ifdef _OPENMP
  if (omp_in_parallel()) return;
  const int team =
      on ? omp_get_max_threads() : std::max(omp_get_max_threads(), omp_get_num_procs());
  const unsigned bits = t_saved & kFtzDaz;
#pragma omp parallel num_threads(team)
  {
    if (omp_get_thread_num() != 0) {
      const unsigned csr = _mm_getcsr();
      _mm_setcsr(on ? (csr | kFtzDaz) : ((csr & ~kFtzDaz) | bits));
    }
  }
#else
  (void)on;
#endif
}
#endif

}  // namespace

FlushDenormals::FlushDenormals() {
#ifdef CRITNET_HAS_MXCSR
  if (t_depth++ > 0) return;
  t_saved = _mm_getcsr();
  _mm_setcsr(t_saved | kFtzDaz);
  in_workers(true);
#endif
}

FlushDenormals::~FlushDenormals() {
#ifdef CRITNET_HAS_MXCSR
  if (--t_depth > 0) return;
  in_workers(false);
  _mm_setcsr(t_saved);
#endif
}

bool flushing_denormals() {
#ifdef CRITNET_HAS_MXCSR
  return (_mm_getcsr() & kFtzDaz) == kFtzDaz;
#else
  return false;
#endif
}

}  // namespace critnet::core::detail
