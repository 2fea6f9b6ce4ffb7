#include "core/detail/signal_deferral.h"

#include <pthread.h>

#include <csignal>
#include <initializer_list>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace critnet::core::detail {
namespace {

// Every signal but those a fault raises synchronously in the faulting thread.
sigset_t asynchronous_signals() {
  sigset_t set;
  sigfillset(&set);
  for (const int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS})
    sigdelset(&set, sig);
  return set;
}

const sigset_t& async_set() {
  static const sigset_t set = asynchronous_signals();
  return set;
}

thread_local int t_depth = 0;        // deferrals alive on this thread
thread_local bool t_worker = false;  // an OpenMP worker, blocked for good
thread_local sigset_t t_saved;       // the mask before the outermost deferral

// Blocks the signals in the workers of this thread's OpenMP team, up to the team size its
// next parallel region may use. Workers created later by a parallel region started inside a
// deferral inherit the blocked mask; the check repeats when the team may have grown.
void block_in_workers() {
#ifdef _OPENMP
  thread_local int t_blocked_team = 1;
  if (t_worker || omp_in_parallel()) return;
  const int team = omp_get_max_threads();
  if (team <= t_blocked_team) return;
#pragma omp parallel num_threads(team)
  {
    if (omp_get_thread_num() != 0) {
      pthread_sigmask(SIG_BLOCK, &async_set(), nullptr);
      t_worker = true;
    }
  }
  t_blocked_team = team;
#endif
}

}  // namespace

SignalDeferral::SignalDeferral() {
  if (t_worker || t_depth++ > 0) return;
  pthread_sigmask(SIG_BLOCK, &async_set(), &t_saved);
  block_in_workers();
}

SignalDeferral::~SignalDeferral() {
  if (t_worker || --t_depth > 0) return;
  pthread_sigmask(SIG_SETMASK, &t_saved, nullptr);
}

}  // namespace critnet::core::detail
