// The input flags shared by `onyx run` and `onyx bench`, and the feeds built
// from them: tensors read from .npy files, random tensors for the rest.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "cli.h"
#include "npy.h"

namespace onyx_cli {

struct InputFlags {
  std::vector<std::pair<std::string, std::string>> files;  // --input NAME=FILE.npy, in order
  std::map<std::string, int64_t> dims;                     // --dim SYMBOL=N
  int threads = 0;                                         // --threads N (0 = library default)
  uint32_t seed = 0;                                       // --seed N for random inputs
};

// Flags taking a value that InputFlags understands (for parse_args).
const std::vector<std::string>& input_value_flags();
// Fills `f` from parsed flags (ignoring others); throws UsageError on bad values.
InputFlags read_input_flags(const Args& args);

// What a Run is fed. The values may point into `arrays` (no copy of .npy data),
// so a Feed must outlive the runs that use it.
struct Feed {
  std::vector<std::string> names;
  std::vector<onyx::Value> values;
  std::vector<std::string> descriptions;  // one per input: "float32[1,3,224,224] from x.npy"
  std::vector<std::unique_ptr<NpyArray>> arrays;
};

// Reads the --input files (checked against the model's declared inputs:
// name, element type, rank and fixed dims) and makes random tensors for the
// model inputs not given. Notes about choices made (symbolic dims defaulted,
// optional inputs left out) go to `notes`.
Feed make_feed(const onyx::Session& session, const InputFlags& flags, std::ostream& notes);

}  // namespace onyx_cli
