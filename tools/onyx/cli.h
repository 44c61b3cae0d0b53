// Shared pieces of the `onyx` command-line tool: errors, argument parsing,
// formatting. The tool uses only the public C++ API (onyx/onyx.hpp).
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "onyx/onyx.hpp"

namespace onyx_cli {

// A failure to report to the user (message already names the file / input /
// flag involved); main prints it and exits with status 1.
class CliError : public std::runtime_error {
 public:
  explicit CliError(const std::string& msg) : std::runtime_error(msg) {}
};

// Bad command-line usage: printed with a hint to --help, exit status 2.
class UsageError : public std::runtime_error {
 public:
  explicit UsageError(const std::string& msg) : std::runtime_error(msg) {}
};

// The command line of one subcommand, split into positionals and flags.
struct Args {
  std::vector<std::string> positional;
  std::vector<std::pair<std::string, std::string>> flags;  // in order; bool flags have value ""
  bool help = false;                                        // -h / --help was given

  bool has(const std::string& flag) const;
};

// Splits `argv` (after the subcommand). `value_flags` take a value (as
// "--flag value" or "--flag=value"); `bool_flags` take none. Anything else
// starting with "-" is a UsageError.
Args parse_args(const std::vector<std::string>& argv, const std::vector<std::string>& value_flags,
                const std::vector<std::string>& bool_flags);

// Strict integer parsing: the whole text, within [lo, hi]; errors name `what`.
int64_t parse_int(const std::string& text, const std::string& what, int64_t lo, int64_t hi);

// "[1,3,224,224]"
std::string shape_str(const std::vector<int64_t>& shape);
// "97.5 MB"
std::string human_bytes(double bytes);
// Shortest round-trip-ish formatting for summaries ("0.125", "-3.5e-07").
std::string fmt_number(double v);

// The subcommands; each returns the process exit status.
int cmd_run(const std::vector<std::string>& argv);
int cmd_info(const std::vector<std::string>& argv);
int cmd_bench(const std::vector<std::string>& argv);
int cmd_optimize(const std::vector<std::string>& argv);

}  // namespace onyx_cli
