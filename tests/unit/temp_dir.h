// A fresh temporary folder per test, removed with everything in it afterwards
// (tests of model files, external data and their path rules).
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace onyx::test {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/onyx_test_XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace onyx::test
