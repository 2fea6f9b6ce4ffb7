// Asynchronous signals during oneDNN's sgemm (core/detail/signal_deferral.h): Debian's
// oneDNN 2.6 runs its JIT f32 kernels with the stack pointer in a heap workspace, so a signal
// handled inside one writes its frame over the heap. A second thread sends process-directed
// SIGUSR1s (a handler installed, as critnet's SIGINT/SIGTERM handler or Python's would be)
// while the main thread runs products large enough to spend most of their time in those
// kernels: every product must still be right, the process must not abort, and the signals
// must still arrive (deferred, not lost).
#include "../../../src/core/detail/signal_deferral.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <torch/torch.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <thread>

#include "../../../src/core/detail/gemm.h"
#include "support/error_bounds.h"

namespace critnet::core::detail {
namespace {

volatile std::sig_atomic_t g_handled = 0;
extern "C" void count_signal(int) {
  g_handled = g_handled + 1;
}

// Installs count_signal for SIGUSR1 for the test's lifetime.
class Sigusr1Handler {
 public:
  Sigusr1Handler() {
    struct sigaction sa {};
    sa.sa_handler = count_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, &old_);
  }
  ~Sigusr1Handler() { sigaction(SIGUSR1, &old_, nullptr); }

 private:
  struct sigaction old_ {};
};

TEST(SignalDeferral, OneDnnProductsSurviveAStormOfSignals) {
  if (!gemm_auto_uses_onednn()) GTEST_SKIP() << "no oneDNN sgemm in this build";
  const Sigusr1Handler handler;
  g_handled = 0;
  std::atomic<bool> done{false};
  std::thread sender([&] {
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &usr1, nullptr);  // the signals go to the other threads
    while (!done.load()) {
      ::kill(::getpid(), SIGUSR1);
      ::usleep(20);
    }
  });
  torch::manual_seed(11);
  const double u = test_support::unit_roundoff(torch::kFloat32);
  const int threads_before = at::get_num_threads();
  bool all_right = true;
  // One thread, then two: the second runs part of each product in an OpenMP worker.
  for (const int threads : {1, 2}) {
    at::set_num_threads(threads);
    for (int i = 0; i < 100 && all_right; ++i) {
      auto a = torch::randn({192, 384}), b = torch::randn({384, 256});
      auto c = torch::empty({192, 256});
      gemm(a, false, b, false, c, 1.0, 0.0, GemmBackend::kOneDnn);
      const auto exact = a.to(torch::kFloat64).mm(b.to(torch::kFloat64));
      const auto bound =
          test_support::matmul_bound(a, b, u) +
          test_support::matmul_bound(a, b, test_support::unit_roundoff(torch::kFloat64));
      all_right = test_support::within_bound(c.to(torch::kFloat64), exact, bound);
      EXPECT_TRUE(all_right) << threads << " threads, product " << i;
    }
  }
  at::set_num_threads(threads_before);
  done = true;
  sender.join();
  EXPECT_GT(g_handled, 0) << "no SIGUSR1 was handled: deferred signals must arrive afterwards";
}

// Nested deferrals restore the caller's mask only at the outermost end.
TEST(SignalDeferral, NestsAndRestoresTheCallersMask) {
  sigset_t before, inside, after;
  pthread_sigmask(SIG_SETMASK, nullptr, &before);
  {
    const SignalDeferral outer;
    { const SignalDeferral inner; }
    pthread_sigmask(SIG_SETMASK, nullptr, &inside);
    EXPECT_EQ(sigismember(&inside, SIGINT), 1);
    EXPECT_EQ(sigismember(&inside, SIGTERM), 1);
    EXPECT_EQ(sigismember(&inside, SIGSEGV), 0);
  }
  pthread_sigmask(SIG_SETMASK, nullptr, &after);
  for (const int sig : {SIGINT, SIGTERM, SIGUSR1, SIGCHLD})
    EXPECT_EQ(sigismember(&after, sig), sigismember(&before, sig)) << sig;
}

}  // namespace
}  // namespace critnet::core::detail
