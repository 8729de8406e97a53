// A small fixed pool of threads for the elementwise kernels (elementwise.cc, fused.cc). Work is
// split deterministically: parallelFor(n, ...) cuts [0, n) into one contiguous part per thread
// (part i is [i·n/T, (i+1)·n/T)), and every kernel computes each output from its own inputs in a
// fixed order, so results never depend on which thread ran which part — nor on the parts' bounds.
// So a part is run by whichever thread claims it first: the caller does not wait for a worker the
// OS has not scheduled yet.
#pragma once
#include <cstdint>
#include <functional>

namespace tfmc {

// Threads used (the calling thread included); 1 runs everything on the caller.
int poolThreads();
// Sets the thread count (≥ 1; clamped to 64). Takes effect for the next parallelFor.
void setPoolThreads(int threads);

// How long (µs) an idle pool thread, and a caller waiting for its parts, polls before sleeping
// (TFMC_NATIVE_SPIN_US, default 100; 0: sleeps at once).
int poolSpinMicros();
void setPoolSpinMicros(int micros);

// Runs body(begin, end) over [0, n) in poolThreads() contiguous parts, the first on the calling
// thread, and returns when all are done. Below `grain` items per thread it uses fewer threads
// (one part per `grain` items, at least one): small kernels are not worth waking a thread for.
// With partsPerThread > 1, [0, n) is cut into that many more (smaller) parts, claimed one at a
// time: a thread that the OS runs late (a loaded machine) then holds up at most one small part,
// as the others claim the rest. Only for bodies whose results do not depend on the parts' bounds.
void parallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& body, int partsPerThread = 1);

}  // namespace tfmc
