// Errors. Inside the library every failure is an onyx::Error carrying a code
// (for the C API and the Python exception classes) and a message written for
// the user: it names the model, node, op, input and shape involved. Layers add
// context as the error travels up (see Error::with_context), so a kernel only
// says what is wrong with its inputs and the executor adds which node it was.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace onyx {

// Mirrors ONNX Runtime's OrtErrorCode so API users map them one to one.
enum class ErrorCode : int {
  kOk = 0,
  kFail = 1,
  kInvalidArgument = 2,
  kNoSuchFile = 3,
  kNoModel = 4,
  kEngineError = 5,
  kRuntimeException = 6,
  kInvalidProtobuf = 7,
  kModelLoaded = 8,
  kNotImplemented = 9,
  kInvalidGraph = 10,
  kEpFail = 11,
};

const char* error_code_name(ErrorCode c);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& msg) : std::runtime_error(msg), code_(code) {}
  ErrorCode code() const { return code_; }
  // A copy whose message is prefixed by `ctx: `, for the caller to rethrow.
  Error with_context(const std::string& ctx) const { return Error(code_, ctx + ": " + what()); }

 private:
  ErrorCode code_;
};

// Builds a message from stream-able parts: fail(ErrorCode::kInvalidArgument, "axis ", a, " out of range").
template <typename... Args>
std::string str_cat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

template <typename... Args>
[[noreturn]] void fail(ErrorCode code, const Args&... args) {
  throw Error(code, str_cat(args...));
}

// Checks an input-dependent condition; the message is built only on failure.
#define ONYX_CHECK(cond, code, ...)                     \
  do {                                                  \
    if (!(cond)) ::onyx::fail(code, __VA_ARGS__);       \
  } while (0)

// Formats a shape as [2,3,batch] (works for any container of printable dims).
template <typename Dims>
std::string shape_str(const Dims& dims) {
  std::ostringstream os;
  os << '[';
  bool first = true;
  for (const auto& d : dims) {
    if (!first) os << ',';
    os << d;
    first = false;
  }
  os << ']';
  return os.str();
}

}  // namespace onyx
