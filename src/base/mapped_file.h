// Read-only memory mapping of a file.
//
// Model files and external-data files are mapped, not read: weights are used
// in place, pages come in on first touch, and pages never touched cost nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace onyx {

class MappedFile {
 public:
  // Throws kNoSuchFile when the file cannot be opened, kFail when it cannot be mapped.
  static std::shared_ptr<MappedFile> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  int fd_ = -1;
  std::string path_;
};

}  // namespace onyx
