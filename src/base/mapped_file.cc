#include "base/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/error.h"
#include "base/resident.h"

namespace onyx {

std::shared_ptr<MappedFile> MappedFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    fail(e == ENOENT ? ErrorCode::kNoSuchFile : ErrorCode::kFail, "cannot open '", path, "': ", std::strerror(e));
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    fail(ErrorCode::kFail, "'", path, "' is not a regular file");
  }
  std::shared_ptr<MappedFile> m(new MappedFile());
  m->path_ = path;
  m->size_ = static_cast<size_t>(st.st_size);
  if (m->size_ > 0) {
    void* p = mmap(nullptr, m->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int e = errno;
      ::close(fd);
      fail(ErrorCode::kFail, "cannot map '", path, "' (", m->size_, " bytes): ", std::strerror(e));
    }
    m->data_ = static_cast<const uint8_t*>(p);
    // The descriptor stays open for resident::copy_from_file.
    m->fd_ = fd;
    resident::register_mapping(p, m->size_, fd);
    return m;
  }
  ::close(fd);
  return m;
}

MappedFile::~MappedFile() {
  if (!data_) return;
  resident::unregister_mapping(data_);
  munmap(const_cast<uint8_t*>(data_), size_);
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace onyx
