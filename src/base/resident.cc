#include "base/resident.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <mutex>

namespace onyx::resident {

namespace {

struct Range {
  uintptr_t begin, end;
  bool file;  // a mapped file (releasable) or a caller's buffer (never touched)
};

std::mutex& mu() {
  static std::mutex m;
  return m;
}
std::vector<Range>& ranges() {
  static std::vector<Range> r;
  return r;
}

uintptr_t page_size() {
  static const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  return page;
}

// madvise over the whole pages inside [b, e); advisory, so failure is harmless.
void advise_interior(uintptr_t b, uintptr_t e, int advice) {
  const uintptr_t page = page_size();
  b = (b + page - 1) / page * page;
  e = e / page * page;
  if (e > b) madvise(reinterpret_cast<void*>(b), e - b, advice);
}

void add(const void* p, size_t n, bool file) {
  if (!p || !n) return;
  auto b = reinterpret_cast<uintptr_t>(p);
  std::lock_guard<std::mutex> lk(mu());
  ranges().push_back({b, b + n, file});
}

void remove(const void* p) {
  auto b = reinterpret_cast<uintptr_t>(p);
  std::lock_guard<std::mutex> lk(mu());
  auto& r = ranges();
  auto it = std::find_if(r.begin(), r.end(), [b](const Range& x) { return x.begin == b; });
  if (it != r.end()) r.erase(it);
}

thread_local std::vector<Absorbed> t_absorbed;

}  // namespace

void register_mapping(const void* p, size_t n) { add(p, n, true); }
void unregister_mapping(const void* p) { remove(p); }

bool release_file_pages(const void* p, size_t n) {
  auto b = reinterpret_cast<uintptr_t>(p), e = b + n;
  std::lock_guard<std::mutex> lk(mu());
  bool any = false;
  for (const Range& r : ranges()) {
    if (!r.file || e <= r.begin || b >= r.end) continue;
    advise_interior(std::max(b, r.begin), std::min(e, r.end), MADV_DONTNEED);
    any = true;
  }
  return any;
}

const void* mapping_of(const void* p) {
  auto b = reinterpret_cast<uintptr_t>(p);
  std::lock_guard<std::mutex> lk(mu());
  for (const Range& r : ranges())
    if (r.file && b >= r.begin && b < r.end) return reinterpret_cast<const void*>(r.begin);
  return nullptr;
}

void release_mapping(const void* begin) {
  auto b = reinterpret_cast<uintptr_t>(begin);
  std::lock_guard<std::mutex> lk(mu());
  for (const Range& r : ranges())
    if (r.file && r.begin == b) advise_interior(r.begin, r.end, MADV_DONTNEED);
}

bool discardable(const void* p, size_t n) {
  auto b = reinterpret_cast<uintptr_t>(p), e = b + n;
  std::lock_guard<std::mutex> lk(mu());
  for (const Range& r : ranges())
    if (e > r.begin && b < r.end) return false;
  return true;
}

void discard_pages(void* p, size_t n) {
  auto b = reinterpret_cast<uintptr_t>(p);
  advise_interior(b, b + n, MADV_DONTNEED);
}

ForeignBytes::ForeignBytes(const void* p, size_t n) : p_(p) { add(p, n, false); }
ForeignBytes::~ForeignBytes() {
  if (p_) remove(p_);
}

void note_absorbed(const void* p, size_t n) { t_absorbed.push_back({p, n}); }

std::vector<Absorbed> take_absorbed() {
  std::vector<Absorbed> v;
  v.swap(t_absorbed);
  return v;
}

}  // namespace onyx::resident
