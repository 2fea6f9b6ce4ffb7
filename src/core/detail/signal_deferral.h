#pragma once
// Holding asynchronous signals off the threads that run oneDNN's JIT sgemm.
//
// Debian 12's oneDNN (2.6) points its AVX2 and AVX-512 f32 GEMM kernels' stack pointer at a
// heap workspace while they run (oneDNN issue #4845, fixed in 3.11): a signal delivered to a
// thread inside such a kernel has the kernel write its signal frame into that heap block, and
// malloc aborts later ("corrupted size vs. prev_size"). Any handled signal does it: critnet's
// own SIGINT/SIGTERM handler (core/interrupt.h), Python's, a profiler's.
//
// While a SignalDeferral lives, the calling thread blocks every asynchronous signal (all but
// the ones a fault raises: SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS); the
// first one also blocks them for good in the OpenMP worker threads the calling thread's
// parallel regions use (they never need them). A signal that arrives meanwhile stays pending
// and is handled when the outermost deferral ends, a few milliseconds later at most. Nestable
// and cheap inside an outer one: the training loop holds one per step, so the products in it
// pay nothing.
namespace critnet::core::detail {

class SignalDeferral {
 public:
  SignalDeferral();
  ~SignalDeferral();
  SignalDeferral(const SignalDeferral&) = delete;
  SignalDeferral& operator=(const SignalDeferral&) = delete;
};

}  // namespace critnet::core::detail
