// sse_floor: what the kernel alone costs to write one small SSE frame to one connected
// loopback TCP socket, the floor under the gateway's CPU per delivery. See README.md.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "bench/floor/floor_run.h"
#include "bench/floor/loopback_pairs.h"
#include "bench/floor/sendmsg_writer.h"
#include "bench/floor/uring_writer.h"
#include "bench/loopback_socket.h"

namespace ssegw::bench {
namespace {

constexpr uint32_t kMaxConnections = 19'500;
constexpr uint32_t kSpareDescriptors = 32;  // stdio, the receiver's pipe, the ring

struct FloorOptions {
  uint32_t connections = 1000;
  size_t frame_bytes = 150;
  RunLimits limits;
  std::string mode = "both";
  unsigned batch = 256;
  double setup_timeout_s = 60;
};

// Parses `text` as a number in [lo, hi] (a whole one for integer fields).
template <typename T>
bool parse_in(const std::string& text, double lo, double hi, T& out) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !(value >= lo && value <= hi)) return false;
  if (std::is_integral_v<T> && value != static_cast<double>(static_cast<T>(value))) return false;
  out = static_cast<T>(value);
  return true;
}

// One command-line option: its name, its line in --help, and how it sets the options (false
// when the value is out of range). --help is printed from this table, so it lists them all.
struct OptionSpec {
  const char* name;
  const char* help;
  std::function<bool(FloorOptions&, const std::string&)> set;
};

std::vector<OptionSpec> option_specs() {
  using O = FloorOptions;
  using V = const std::string&;
  return {
      {"--connections", "N     loopback TCP connections, 1..19500 (default 1000)",
       [](O& o, V v) { return parse_in(v, 1, kMaxConnections, o.connections); }},
      {"--frame-size", "B      bytes per frame, 1..65536 (default 150)",
       [](O& o, V v) { return parse_in(v, 1, 65536, o.frame_bytes); }},
      {"--rounds",
       "R          measured rounds, each one frame to every connection (default "
       "1000000)",
       [](O& o, V v) { return parse_in(v, 1, 1e12, o.limits.rounds); }},
      {"--duration", "S        .. or after S seconds per mode, at most 3600 (default 5)",
       [](O& o, V v) { return parse_in(v, 1e-3, 3600, o.limits.duration_s); }},
      {"--rate", "R            rounds per second, 0 = back to back (default 0)",
       [](O& o, V v) { return parse_in(v, 0, 1e6, o.limits.rate); }},
      {"--warmup", "R          unmeasured rounds before each mode, 0..100 (default 1)",
       [](O& o, V v) { return parse_in(v, 0, 100, o.limits.warmup_rounds); }},
      {"--mode", "M            sendmsg, uring or both (default both)",
       [](O& o, V v) {
         o.mode = v;
         return v == "sendmsg" || v == "uring" || v == "both";
       }},
      {"--batch", "B           io_uring sends per submit, 1..4096 (default 256)",
       [](O& o, V v) { return parse_in(v, 1, 4096, o.batch); }},
      {"--setup-timeout", "S   bound on connecting and accepting, at most 600 (default 60)",
       [](O& o, V v) { return parse_in(v, 1e-3, 600, o.setup_timeout_s); }},
  };
}

void print_usage(const std::vector<OptionSpec>& specs) {
  std::cerr << "usage: sse_floor [options]\n";
  for (const OptionSpec& spec : specs) std::cerr << "  " << spec.name << " " << spec.help << "\n";
  std::cerr << "Prints one JSON line per mode on stdout and a human line per mode on stderr.\n";
}

// The options, or nullopt after printing why (and the usage) to stderr.
std::optional<FloorOptions> parse_options(int argc, char** argv) {
  const std::vector<OptionSpec> specs = option_specs();
  FloorOptions o;
  for (int i = 1; i < argc; i += 2) {
    const std::string key = argv[i];
    const auto spec = std::find_if(specs.begin(), specs.end(),
                                   [&](const OptionSpec& s) { return key == s.name; });
    if (spec == specs.end()) {
      if (key != "--help" && key != "-h") std::cerr << "sse_floor: unknown option " << key << "\n";
    } else if (i + 1 >= argc || !spec->set(o, argv[i + 1])) {
      std::cerr << "sse_floor: bad or missing value for " << key << "\n";
    } else {
      continue;
    }
    print_usage(specs);
    return std::nullopt;
  }
  return o;
}

// An SSE frame of exactly `bytes` bytes (the last two are the blank line that ends it).
std::string make_frame(size_t bytes) {
  std::string frame = "id: 1\nevent: bench\ndata: ";
  if (frame.size() + 2 > bytes) return std::string(bytes, 'x');
  frame.resize(bytes - 2, 'x');
  return frame + "\n\n";
}

double per_write(uint64_t ns, uint64_t writes) {
  return writes ? static_cast<double>(ns) / static_cast<double>(writes) : 0.0;
}

// False when rounds took longer than the period --rate asks for, so they ran back to back.
bool rate_held(const FloorOptions& o, const RunMeasure& m) {
  if (o.limits.rate <= 0 || m.rounds == 0) return true;
  return static_cast<double>(m.write_wall_ns) / static_cast<double>(m.rounds) <=
         1e9 / o.limits.rate;
}

std::string result_json(const FloorOptions& o, const RoundWriter& writer, const RunMeasure& m) {
  const WriteCounts& c = m.counts;
  std::ostringstream json;
  json << std::fixed << std::setprecision(1) << "{\"tool\":\"sse_floor\",\"mode\":\""
       << writer.mode() << "\",\"connections\":" << o.connections
       << ",\"frame_bytes\":" << o.frame_bytes << ",\"rate\":" << o.limits.rate
       << ",\"rate_held\":" << (rate_held(o, m) ? "true" : "false") << ",\"rounds\":" << m.rounds
       << ",\"attempts\":" << m.rounds * o.connections << ",\"writes\":" << c.writes
       << ",\"partial\":" << c.partial << ",\"would_block\":" << c.would_block
       << ",\"errors\":" << c.errors << ",\"syscalls\":" << c.syscalls
       << ",\"cpu_ns_per_write\":" << per_write(m.thread_cpu_ns, c.writes)
       << ",\"sys_ns_per_write\":" << per_write(m.thread_sys_ns, c.writes)
       << ",\"process_cpu_ns_per_write\":" << per_write(m.process_cpu_ns, c.writes)
       << ",\"wall_ns_per_write\":" << per_write(m.write_wall_ns, c.writes)
       << ",\"receiver_cpu_ns_per_write\":" << per_write(m.receiver_cpu_ns, c.writes)
       << std::setprecision(3) << ",\"seconds\":" << m.seconds << writer.json_details() << "}";
  return json.str();
}

void report(const FloorOptions& o, const RoundWriter& writer, const RunMeasure& m) {
  std::cout << result_json(o, writer, m) << std::endl;
  if (!rate_held(o, m)) {
    std::fprintf(stderr, "sse_floor %s: --rate %g not held, a round takes %.0f ms\n", writer.mode(),
                 o.limits.rate,
                 static_cast<double>(m.write_wall_ns) / 1e6 / static_cast<double>(m.rounds));
  }
  std::fprintf(
      stderr,
      "sse_floor %s: %u connections x %llu rounds, %llu writes, %llu would block, "
      "%llu errors: %.0f ns CPU and %.0f ns wall per write (receiver %.0f ns)\n",
      writer.mode(), o.connections, static_cast<unsigned long long>(m.rounds),
      static_cast<unsigned long long>(m.counts.writes),
      static_cast<unsigned long long>(m.counts.would_block),
      static_cast<unsigned long long>(m.counts.errors), per_write(m.thread_cpu_ns, m.counts.writes),
      per_write(m.write_wall_ns, m.counts.writes), per_write(m.receiver_cpu_ns, m.counts.writes));
}

}  // namespace

int run(int argc, char** argv) {
  const std::optional<FloorOptions> parsed = parse_options(argc, argv);
  if (!parsed) return 2;
  const FloorOptions& o = *parsed;
  if (o.mode == "uring" && !uring_built()) {
    std::cerr << "sse_floor: --mode uring: this sse_floor was built without liburing "
                 "(install liburing-dev and rebuild)\n";
    return 2;
  }
  const uint64_t fd_limit = raise_open_file_limit();
  if (o.connections + kSpareDescriptors > fd_limit) {
    std::cerr << "sse_floor: " << o.connections << " connections need "
              << o.connections + kSpareDescriptors << " open files but only " << fd_limit
              << " are allowed (ulimit -n)\n";
    return 2;
  }
  const int modes = o.mode == "both" ? 2 : 1;
  // The receiver outlives every measured mode, then stops on its own if we could not stop it.
  const double receiver_lifetime_s = o.setup_timeout_s + modes * (o.limits.duration_s + 30);
  LoopbackPairs pairs;
  std::string error;
  if (!open_loopback_pairs(o.connections, o.setup_timeout_s, receiver_lifetime_s, pairs, error)) {
    std::cerr << "sse_floor: " << error << "\n";
    return 1;
  }
  const std::string frame = make_frame(o.frame_bytes);
  if (o.mode != "uring") {
    SendmsgWriter writer(pairs.senders, frame);
    report(o, writer, run_rounds(writer, o.limits, pairs.receiver));
  }
  if (o.mode != "sendmsg") {
    std::unique_ptr<RoundWriter> writer = make_uring_writer(pairs.senders, frame, o.batch, error);
    if (!writer) {
      // With --mode both the runner still gets a line per mode, and the reason.
      std::cout << "{\"tool\":\"sse_floor\",\"mode\":\"uring\",\"unavailable\":\"" << error << "\"}"
                << std::endl;
      std::cerr << "sse_floor uring: " << error << "\n";
      return o.mode == "uring" ? 1 : 0;
    }
    report(o, *writer, run_rounds(*writer, o.limits, pairs.receiver));
  }
  return 0;
}

}  // namespace ssegw::bench

int main(int argc, char** argv) {
  return ssegw::bench::run(argc, argv);
}
