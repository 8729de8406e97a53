#include "pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace tfmc {
namespace {

int defaultThreads() {
  if (const char* env = std::getenv("TFMC_NATIVE_THREADS")) {
    const int n = std::atoi(env);
    if (n >= 1) return std::min(n, 64);
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(std::min(hw, 64u));
}

// How long an idle thread keeps polling for the next run before it sleeps (TFMC_NATIVE_SPIN_US,
// default 100; 0 sleeps at once). A decode step runs ~70 one-row products a few hundred
// microseconds apart, and a sleeping worker takes tens of microseconds to wake (until it does, the
// caller computes its part too): on an idle machine polling took GPT-2 small's 2-thread decode from
// 0.72x to 0.86-0.91x onnxruntime's (which polls too). On a loaded machine the polling thread takes
// a core from the caller, which measured slower there: set 0 (docs/performance.md).
int defaultSpinMicros() {
  if (const char* env = std::getenv("TFMC_NATIVE_SPIN_US")) {
    const int n = std::atoi(env);
    if (n >= 0) return std::min(n, 100000);
  }
  return 100;
}

std::atomic<int> spinMicros{defaultSpinMicros()};

// Polls `ready` for up to spinMicros; true when it became true.
template <typename Ready>
bool spinUntil(const Ready& ready) {
  const int micros = spinMicros.load(std::memory_order_relaxed);
  if (micros <= 0) return ready();
  const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(micros);
  for (int i = 0;; i++) {
    if (ready()) return true;
    if ((i & 63) == 63 && std::chrono::steady_clock::now() >= until) return ready();
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
}

// Set on the pool's threads and on the caller while it runs a part: a parallelFor from inside a
// part runs serially instead of waiting for threads that are busy with the outer one.
thread_local bool insidePart = false;

// Workers wait for a new generation of work and claim its parts; the caller claims parts too. A
// part goes to whichever thread claims it first, so a worker the OS has not woken yet (a loaded
// machine) delays nothing: the caller runs its part as well. Which thread runs a part never changes
// a result (see pool.h), so this keeps results deterministic.
class Pool {
 public:
  ~Pool() { resize(0); }

  int threads() const { return wanted_; }
  void setThreads(int n) { wanted_ = std::max(1, std::min(n, 64)); }

  void run(int parts, int64_t n, const std::function<void(int64_t, int64_t)>& body) {
    if (static_cast<int>(workers_.size()) != wanted_ - 1) resize(wanted_ - 1);
    if (parts <= 1 || workers_.empty()) {
      body(0, n);
      return;
    }
    uint32_t generation;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      body_ = &body;
      n_ = n;
      parts_ = parts;
      remaining_.store(parts);
      generation = static_cast<uint32_t>(generation_.fetch_add(1) + 1);
      claims_.store(static_cast<uint64_t>(generation) << 32);
    }
    start_.notify_all();
    insidePart = true;
    runClaimed(generation, parts, n, body);
    insidePart = false;
    spinUntil([this] { return remaining_.load() == 0; });
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return remaining_.load() == 0; });
    body_ = nullptr;
  }

 private:
  // Claims the parts of `generation` not yet claimed, one at a time, and runs them. The claim
  // counter carries its generation, so a worker that wakes after its generation ended claims nothing.
  void runClaimed(uint32_t generation, int parts, int64_t n, const std::function<void(int64_t, int64_t)>& body) {
    for (;;) {
      uint64_t seen = claims_.load();
      int part;
      do {
        if (static_cast<uint32_t>(seen >> 32) != generation) return;
        part = static_cast<int>(seen & 0xffffffffu);
        if (part >= parts) return;
      } while (!claims_.compare_exchange_weak(seen, seen + 1));
      body(n * part / parts, n * (part + 1) / parts);
      if (remaining_.fetch_sub(1) == 1) {
        std::lock_guard<std::mutex> lock(mutex_);
        done_.notify_one();
      }
    }
  }

  void resize(int count) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    start_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
    stop_ = false;
    // Each worker starts from the current generation, read here: read in the new thread, it could
    // miss a run started before the thread got going and wait forever.
    for (int i = 0; i < count; i++) workers_.emplace_back([this, seen = generation_.load()] { work(seen); });
  }

  void work(uint64_t seen) {
    for (;;) {
      const std::function<void(int64_t, int64_t)>* body;
      int64_t n;
      int parts;
      spinUntil([&] { return stop_.load() || generation_.load() != seen; });
      {
        std::unique_lock<std::mutex> lock(mutex_);
        start_.wait(lock, [&] { return stop_.load() || generation_.load() != seen; });
        if (stop_) return;
        seen = generation_;
        body = body_;
        n = n_;
        parts = parts_;
      }
      if (!body) continue;  // that run has already ended
      insidePart = true;
      runClaimed(static_cast<uint32_t>(seen), parts, n, *body);
      insidePart = false;
    }
  }

  int wanted_ = defaultThreads();
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable start_, done_;
  const std::function<void(int64_t, int64_t)>* body_ = nullptr;
  int64_t n_ = 0;
  int parts_ = 0;
  std::atomic<int> remaining_{0};
  std::atomic<uint64_t> claims_{0};  // generation (high 32 bits) and the next part to claim (low 32)
  std::atomic<uint64_t> generation_{0};  // written under mutex_; read without it by polling workers
  std::atomic<bool> stop_{false};
};

Pool& pool() {
  static Pool* instance = new Pool();  // never destroyed: joining threads at process exit can deadlock
  return *instance;
}

}  // namespace

int poolThreads() { return pool().threads(); }
int poolSpinMicros() { return spinMicros.load(); }
void setPoolSpinMicros(int micros) { spinMicros.store(std::max(0, std::min(micros, 100000))); }
void setPoolThreads(int threads) { pool().setThreads(threads); }

void parallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& body, int partsPerThread) {
  if (n <= 0) return;
  if (insidePart) {
    body(0, n);
    return;
  }
  const int64_t byGrain = std::max<int64_t>(1, n / std::max<int64_t>(grain, 1));
  const int parts = static_cast<int>(std::min<int64_t>(byGrain, int64_t(poolThreads()) * std::max(partsPerThread, 1)));
  pool().run(parts, n, body);
}

}  // namespace tfmc
