// sse_floor: what the kernel alone costs to write one small SSE frame to one connected
// loopback TCP socket, the floor under the gateway's CPU per delivery. See README.md.
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
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

void usage() {
  std::cerr <<
      R"(usage: sse_floor [options]
  --connections N     loopback TCP connections, 1..19500 (default 1000)
  --frame-size B      bytes per frame, 1..65536 (default 150)
  --rounds R          measured rounds, each one frame to every connection (default 1000000)
  --duration S        .. or stop after S seconds per mode, whichever comes first (default 5)
  --rate R            rounds per second, 0 = back to back (default 0)
  --warmup R          unmeasured rounds before each mode (default 1)
  --mode M            sendmsg, uring or both (default both)
  --batch B           io_uring sends per submit, 1..4096 (default 256)
  --setup-timeout S   bound on connecting and accepting (default 60)
Prints one JSON line per mode on stdout and a human line per mode on stderr.
)";
}

bool parse_options(int argc, char** argv, FloorOptions& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string key = argv[i];
    if (key == "--help" || key == "-h") return false;
    if (i + 1 >= argc) {
      std::cerr << "sse_floor: " << key << " needs a value\n";
      return false;
    }
    const std::string value = argv[++i];
    try {
      if (key == "--connections")
        o.connections = static_cast<uint32_t>(std::stoul(value));
      else if (key == "--frame-size")
        o.frame_bytes = std::stoul(value);
      else if (key == "--rounds")
        o.limits.rounds = std::stoull(value);
      else if (key == "--duration")
        o.limits.duration_s = std::stod(value);
      else if (key == "--rate")
        o.limits.rate = std::stod(value);
      else if (key == "--warmup")
        o.limits.warmup_rounds = static_cast<uint32_t>(std::stoul(value));
      else if (key == "--mode")
        o.mode = value;
      else if (key == "--batch")
        o.batch = static_cast<unsigned>(std::stoul(value));
      else if (key == "--setup-timeout")
        o.setup_timeout_s = std::stod(value);
      else {
        std::cerr << "sse_floor: unknown option " << key << "\n";
        return false;
      }
    } catch (const std::exception&) {
      std::cerr << "sse_floor: bad value for " << key << ": " << value << "\n";
      return false;
    }
  }
  const char* problem = nullptr;
  if (o.connections < 1 || o.connections > kMaxConnections)
    problem = "--connections must be 1..19500";
  else if (o.frame_bytes < 1 || o.frame_bytes > 65536)
    problem = "--frame-size must be 1..65536";
  else if (!(o.limits.duration_s > 0 && o.limits.duration_s <= 3600))
    problem = "--duration must be in (0, 3600]";
  else if (!(o.limits.rate >= 0))
    problem = "--rate must not be negative";
  else if (o.limits.warmup_rounds > 100)
    problem = "--warmup must be 0..100";
  else if (o.mode != "sendmsg" && o.mode != "uring" && o.mode != "both")
    problem = "--mode must be sendmsg, uring or both";
  else if (o.batch < 1 || o.batch > 4096)
    problem = "--batch must be 1..4096";
  else if (!(o.setup_timeout_s > 0 && o.setup_timeout_s <= 600))
    problem = "--setup-timeout must be in (0, 600]";
  if (problem) {
    std::cerr << "sse_floor: " << problem << "\n";
    return false;
  }
  return true;
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

std::string result_json(const FloorOptions& o, const RoundWriter& writer, const RunMeasure& m) {
  const WriteCounts& c = m.counts;
  std::ostringstream json;
  json << std::fixed << std::setprecision(1) << "{\"tool\":\"sse_floor\",\"mode\":\""
       << writer.mode() << "\",\"connections\":" << o.connections
       << ",\"frame_bytes\":" << o.frame_bytes << ",\"rate\":" << o.limits.rate
       << ",\"rounds\":" << m.rounds << ",\"attempts\":" << m.rounds * o.connections
       << ",\"writes\":" << c.writes << ",\"partial\":" << c.partial
       << ",\"would_block\":" << c.would_block << ",\"errors\":" << c.errors
       << ",\"syscalls\":" << c.syscalls
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
  FloorOptions o;
  if (!parse_options(argc, argv, o)) {
    usage();
    return 2;
  }
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
