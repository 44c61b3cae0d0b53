// Giving back the resident memory of constant data a kernel has copied into
// its own layout (packed GEMM panels), so weights are not held twice.
//
// Two kinds of memory hold a model's constants:
//   - pages of a mapped model or external-data file (MappedFile): private,
//     read-only, never written. Dropping them from the resident set is always
//     safe: a later read faults the page back in from the page cache.
//     MADV_DONTNEED is used, not MADV_PAGEOUT, which also evicts the page cache
//     so that the next session reads the file from disk again.
//   - anonymous memory (misaligned weights copied at load, folded constants,
//     weights concatenated by fusion passes). Dropping its pages loses the
//     contents (they read as zeros), so the execution plan does it only when
//     every consumer of the constant has declared it absorbed (note_absorbed).
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace onyx::resident {

// MappedFile registers each live mapping here, with the open file behind it.
void register_mapping(const void* p, size_t n, int fd);
void unregister_mapping(const void* p);

// Copies n bytes of a mapped file at p to dst with pread, not through the
// mapping: no page faults on it and none of its pages left resident (the
// load-time copy of weights whose raw data is misaligned). Returns false,
// copying nothing, when [p, p + n) is not inside a live mapping.
bool copy_from_file(const void* p, size_t n, void* dst);

// Drops from the resident set the whole pages of [p, p + n) that lie inside a
// live file mapping. Returns false, doing nothing, when p is not in one.
bool release_file_pages(const void* p, size_t n);
// The start of the live file mapping holding p, or null.
const void* mapping_of(const void* p);
// release_file_pages over the whole mapping starting at `begin` (after a
// session's passes and weight packing have read the file: what runs still
// need faults back in).
void release_mapping(const void* begin);

// Whether [p, p + n) is memory the engine may discard: not inside a live file
// mapping and not inside a caller's buffer guarded by ForeignBytes.
bool discardable(const void* p, size_t n);
// Drops the whole pages inside [p, p + n) of anonymous memory: the range stays
// allocated and addressable but reads as zeros afterwards.
void discard_pages(void* p, size_t n);

// While alive, [p, p + n) (a caller's model bytes that constants may point
// into) is never discarded.
class ForeignBytes {
 public:
  ForeignBytes(const void* p, size_t n);
  ~ForeignBytes();
  ForeignBytes(const ForeignBytes&) = delete;
  ForeignBytes& operator=(const ForeignBytes&) = delete;

 private:
  const void* p_;
};

// A kernel being created records that it copied the constant input at p
// into its own form and will never read p's bytes at run time (it may still
// compare the pointer and read the shape). Per thread; the plan compiler
// collects the records after creating each kernel.
void note_absorbed(const void* p, size_t n);
struct Absorbed {
  const void* p;
  size_t n;
};
std::vector<Absorbed> take_absorbed();

// In-place packing: right before creating a kernel, the plan lends it the
// bytes of constant inputs that nothing else reads and that the engine owns;
// PackedMatrix::pack may then write the packed layout over them instead of
// allocating (no fresh pages to fault in, nothing held twice). Per thread.
// A kernel factory that borrowed must not then decline (return null): the
// next candidate kernel would read the packed bytes as the weight.
void lend(const void* p, size_t n, std::shared_ptr<void> owner);
// The owner to keep alive when exactly [p, p + n) is lent (the caller may
// then overwrite it), else null.
std::shared_ptr<void> borrow(const void* p, size_t n);
// Ends the lending; returns the starts of the ranges that were borrowed.
std::vector<const void*> end_lending();

}  // namespace onyx::resident
