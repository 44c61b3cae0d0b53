#include "base/resident.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <mutex>

namespace onyx::resident {

namespace {

struct Range {
  uintptr_t begin, end;
  bool file;  // a mapped file (releasable) or a caller's buffer (never touched)
  int fd = -1;
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

void add(const void* p, size_t n, bool file, int fd = -1) {
  if (!p || !n) return;
  auto b = reinterpret_cast<uintptr_t>(p);
  std::lock_guard<std::mutex> lk(mu());
  ranges().push_back({b, b + n, file, fd});
}

void remove(const void* p) {
  auto b = reinterpret_cast<uintptr_t>(p);
  std::lock_guard<std::mutex> lk(mu());
  auto& r = ranges();
  auto it = std::find_if(r.begin(), r.end(), [b](const Range& x) { return x.begin == b; });
  if (it != r.end()) r.erase(it);
}

thread_local std::vector<Absorbed> t_absorbed;

struct Loan {
  const void* p;
  size_t n;
  std::shared_ptr<void> owner;
  bool taken = false;
};
thread_local std::vector<Loan> t_loans;

}  // namespace

void register_mapping(const void* p, size_t n, int fd) { add(p, n, true, fd); }
void unregister_mapping(const void* p) { remove(p); }

bool copy_from_file(const void* p, size_t n, void* dst) {
  auto b = reinterpret_cast<uintptr_t>(p), e = b + n;
  int fd = -1;
  off_t off = 0;
  {
    std::lock_guard<std::mutex> lk(mu());
    for (const Range& r : ranges())
      if (r.file && r.fd >= 0 && b >= r.begin && e <= r.end) {
        fd = r.fd;
        off = static_cast<off_t>(b - r.begin);
        break;
      }
  }
  if (fd < 0) return false;
  auto* d = static_cast<char*>(dst);
  size_t done = 0;
  while (done < n) {
    ssize_t got = pread(fd, d + done, n - done, off + static_cast<off_t>(done));
    if (got <= 0) break;  // the file shrank under us: fall back to the mapping (which then faults)
    done += static_cast<size_t>(got);
  }
  if (done < n) std::memcpy(d + done, static_cast<const char*>(p) + done, n - done);
  return true;
}

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

void lend(const void* p, size_t n, std::shared_ptr<void> owner) { t_loans.push_back({p, n, std::move(owner)}); }

std::shared_ptr<void> borrow(const void* p, size_t n) {
  for (Loan& l : t_loans)
    if (l.p == p && l.n == n && !l.taken && l.owner) {
      l.taken = true;
      return l.owner;
    }
  return nullptr;
}

std::vector<const void*> end_lending() {
  std::vector<const void*> taken;
  for (const Loan& l : t_loans)
    if (l.taken) taken.push_back(l.p);
  t_loans.clear();
  return taken;
}

}  // namespace onyx::resident
