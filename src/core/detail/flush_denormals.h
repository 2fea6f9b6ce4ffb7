#pragma once
// Flushing subnormal floats to zero while critnet trains and probes.
//
// x86 cores take a microcode assist for every subnormal operand or result of a floating-point
// instruction: OpenBLAS's sgemm on a matrix of subnormal floats ran 200 times slower here
// (781 ms against 3.8 ms for a 784 × 600 by 600 × 600 product, Sapphire Rapids). The `paper`
// penalty drives modes of w = VᵀV toward zero (a·s² down to 1e-80), so its products fill with
// subnormals and a 20-epoch run slowed from 4,745 to 150 samples/s after two epochs.
//
// While a FlushDenormals lives, the calling thread and the OpenMP workers of its team run with
// MXCSR's flush-to-zero and denormals-are-zero bits set (as torch.set_flush_denormal(True)
// does for one thread): values below 2⁻¹²⁶ ≈ 1.2e-38 (float32) or 2⁻¹⁰²² (float64) read and
// write as zero, a change far below every tolerance of the computations (docs/performance.md).
// The previous bits come back when it ends. Nestable; a no-op on CPUs without MXCSR.
namespace critnet::core::detail {

class FlushDenormals {
 public:
  FlushDenormals();
  ~FlushDenormals();
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;
};

// Whether the calling thread flushes subnormals now.
bool flushing_denormals();

}  // namespace critnet::core::detail
