#include "runtime/profiler.h"

#include <fstream>
#include <functional>
#include <thread>

#include "base/error.h"

namespace onyx {

namespace {
std::string json_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    if (static_cast<unsigned char>(c) < 0x20) { o += ' '; continue; }
    o += c;
  }
  return o;
}
}  // namespace

void Profiler::record(const ir::Node& node, const char* impl, Clock::time_point t0, Clock::time_point t1) {
  auto us = [&](Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::microseconds>(t - origin_).count();
  };
  std::lock_guard<std::mutex> lk(mu_);
  events_.push_back({node.name, node.op_type, impl, us(t0), us(t1) - us(t0),
                     std::hash<std::thread::id>()(std::this_thread::get_id())});
}

void Profiler::record_span(const std::string& name, Clock::time_point t0, Clock::time_point t1) {
  auto us = [&](Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::microseconds>(t - origin_).count();
  };
  std::lock_guard<std::mutex> lk(mu_);
  events_.push_back({name, "", "", us(t0), us(t1) - us(t0), std::hash<std::thread::id>()(std::this_thread::get_id())});
}

std::string Profiler::write() {
  std::lock_guard<std::mutex> lk(mu_);
  std::ofstream f(path_);
  if (!f) fail(ErrorCode::kFail, "cannot write profile to '", path_, "'");
  f << "[\n";
  for (size_t i = 0; i < events_.size(); ++i) {
    const Event& e = events_[i];
    f << "{\"cat\":\"" << (e.op.empty() ? "Session" : "Node") << "\",\"name\":\"" << json_escape(e.name)
      << "\",\"ph\":\"X\",\"pid\":1,\"tid\":" << (e.thread % 100000) << ",\"ts\":" << e.start_us
      << ",\"dur\":" << e.dur_us << ",\"args\":{\"op_name\":\"" << json_escape(e.op) << "\",\"provider\":\""
      << "CPUExecutionProvider\",\"kernel\":\"" << json_escape(e.impl) << "\"}}" << (i + 1 < events_.size() ? ",\n" : "\n");
  }
  f << "]\n";
  return path_;
}

}  // namespace onyx
