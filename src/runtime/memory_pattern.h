// Memory pattern: the intermediates of a run placed at planned offsets in one
// arena (ONNX Runtime calls this the memory pattern, enable_mem_pattern).
//
// A run's allocation requests depend only on the shapes it sees, so for a
// given input shape signature (dtype and shape of every fed graph input) they
// come in the same order with the same sizes every time. The first run with a
// signature records them (size, and the events at which each is allocated and
// freed) through a RunAllocator wrapping the session's allocator. The second
// run with it packs the recorded lifetimes into one arena (plan_arena: a
// buffer's bytes serve later buffers once it is freed) and takes the arena,
// one allocation, from the session's allocator; from then on every request
// that matches the recording is a pointer bump into the arena, with no lock
// on the size-class cache and no page faults (the arena comes back from that
// cache warm, run after run).
//
// Never wrong memory: a request is matched to the recording by its position
// and size, and served from the arena only when the planned range does not
// overlap an arena buffer that is still live (checked on every request). Any
// other request (a data-dependent shape such as NonZero's output, a request
// from a pool worker thread, a buffer the recording never saw freed such as a
// graph output) goes to the session's allocator as without a plan. The arena
// goes back to the session's allocator when the run ends, or, if a buffer in
// it is still referenced then, when the last such buffer is freed.
//
// Plans live in a per-session LRU cache of a bounded number of signatures, so
// memory stays flat when shapes keep changing: a recording is a few bytes per
// request, and arenas are ordinary buffers of the session's bounded cache.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/allocator.h"

namespace onyx {

// One buffer of a recorded run: `bytes`, live over the events [start, end).
struct BufferRequest {
  size_t bytes = 0;
  uint64_t start = 0;
  uint64_t end = 0;
};

inline constexpr uint64_t kNeverFreed = UINT64_MAX;
inline constexpr size_t kNotInArena = SIZE_MAX;

struct ArenaLayout {
  std::vector<size_t> offsets;  // per request; kNotInArena for the ones left out
  size_t bytes = 0;             // the arena's size
};

// Packs the requests into one arena: buffers whose lifetimes overlap get
// disjoint ranges, offsets are multiples of kTensorAlignment. Requests never
// freed (end == kNeverFreed) and empty ones are left out. Greedy by size,
// largest first, each put in the smallest gap between the buffers already
// placed that live at the same time (best fit), else above them.
ArenaLayout plan_arena(std::span<const BufferRequest> requests);

// Counters for tests and tuning (Session::memory_pattern_stats).
struct MemoryPatternStats {
  uint64_t runs_recorded = 0;     // runs that recorded a new signature
  uint64_t runs_with_arena = 0;   // runs that served requests from an arena
  uint64_t arena_requests = 0;    // requests served from an arena
  // Requests of arena runs the recording did not foresee (another size, a pool
  // worker's, a planned range still taken), served by the allocator.
  uint64_t fallback_requests = 0;
  uint64_t plans_computed = 0;    // arena layouts computed
  size_t plans_cached = 0;        // signatures in the cache now
  size_t last_arena_bytes = 0;    // arena size of the latest arena run
};

class MemoryPatternCache;

// The allocator of one run: records (first run of a signature) or serves from
// the arena (later runs); everything else goes to `base`. Held by shared_ptr:
// every buffer it hands out keeps it alive (base/tensor.cc's Block).
class RunAllocator final : public Allocator {
 public:
  struct Plan;  // a recording and, once computed, its layout
  // Records when `plan` is null, else serves from an arena laid out by it.
  RunAllocator(std::shared_ptr<Allocator> base, std::string signature, std::shared_ptr<const Plan> plan,
               MemoryPatternCache* cache);
  ~RunAllocator() override;

  void* alloc(size_t bytes) override;
  void free(void* p, size_t bytes) noexcept override;

  // Called by the run's thread when the run ends; `ok` = it completed (a
  // failed run's recording is dropped). Gives the arena back unless a buffer
  // in it is still live.
  void end_run(bool ok);

 private:
  friend class MemoryPatternCache;
  size_t match_locked(size_t bytes);
  void release_arena_locked();

  std::shared_ptr<Allocator> base_;
  std::string signature_;
  std::shared_ptr<const Plan> plan_;
  MemoryPatternCache* cache_;  // used only until end_run: the run's buffers may outlive the session
  std::thread::id owner_;  // only this thread's requests are recorded / planned
  mutable std::mutex mu_;
  // Recording.
  bool recording_ = false;
  bool too_many_ = false;  // more requests than a plan takes
  uint64_t clock_ = 0;
  std::vector<BufferRequest> trace_;
  std::unordered_map<void*, size_t> recorded_;  // live recorded pointer -> trace index
  // Replay.
  std::byte* arena_ = nullptr;  // null when released or never taken
  uintptr_t arena_lo_ = 0, arena_hi_ = 0;  // fixed at construction: free() tests the range without the lock
  size_t arena_bytes_ = 0;
  size_t cursor_ = 0;  // next recorded request expected
  std::map<size_t, size_t> live_;  // offset -> end of each live arena buffer
  bool ended_ = false;
  uint64_t hits_ = 0, misses_ = 0;
};

class MemoryPatternCache {
 public:
  static constexpr size_t kDefaultCapacity = 16;
  explicit MemoryPatternCache(size_t capacity = kDefaultCapacity) : capacity_(capacity) {}

  // The allocator for one run with this signature (see signature_of in
  // session.cc), recording or replaying; keeps no lock while the run runs.
  std::shared_ptr<RunAllocator> start_run(const std::string& signature, const std::shared_ptr<Allocator>& base);
  MemoryPatternStats stats() const;

 private:
  friend class RunAllocator;
  void add_recording(const std::string& signature, std::vector<BufferRequest> trace);
  void count_run(uint64_t hits, uint64_t misses, size_t arena_bytes);

  size_t capacity_;
  mutable std::mutex mu_;
  std::list<std::pair<std::string, std::shared_ptr<RunAllocator::Plan>>> lru_;  // most recent first
  std::unordered_map<std::string, decltype(lru_)::iterator> index_;
  std::atomic<uint64_t> runs_recorded_{0}, runs_with_arena_{0}, arena_requests_{0}, fallback_requests_{0},
      plans_computed_{0};
  std::atomic<size_t> last_arena_bytes_{0};
};

}  // namespace onyx
