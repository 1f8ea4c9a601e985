// sse_load: opens many SSE subscriptions to one URL and measures what arrives.
// See bench/README.md for the payload format and how the runner combines several processes.
#include <unistd.h>

#include <bit>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

#include "bench/bench_payload.h"
#include "bench/load_worker.h"

namespace ssegw::bench {
namespace {

void usage() {
  std::cerr <<
      R"(usage: sse_load --url http://127.0.0.1:PORT/path [options]
  --connections N     subscriptions to open (default 1000)
  --rate R            new subscriptions per second (default 1000)
  --duration S        bound on the whole run in seconds (default 30)
  --grace S           once --done-file appears, stop after S quiet seconds (default 2)
  --grace-max S       .. or S seconds after it appeared at the latest (default 15)
  --threads T         event-loop threads (default 1)
  --source-first K    bind sources to 127.0.0.K .. (default 2)
  --source-count C    .. spread over C addresses (default 1; 0 = no bind)
  --header "K: V"     extra request header (repeatable)
  --ready-file F      written when every subscription is open or failed
  --done-file F       publisher summary JSON; its last_seq ends the run after --grace
  --first-seq N       first seq the publisher sends (default 1)
  --retries K         reopen a subscription that failed before streaming up to K
                      times, 0.5 s x attempt later, 3 s at most (default 10)
  --label L           copied into the JSON summary
  --tls               TLS to the server (implied by an https:// URL), SNI --server-name
  --cacert FILE       CA certificate(s) the server's must chain to (default: the system's)
  --server-name NAME  SNI and the name checked in the certificate (default localhost)
  --http2             HTTP/2: with --tls by ALPN h2, without it h2c (prior knowledge);
                      each subscription is a stream, many per connection
  --streams-per-connection N   HTTP/2 streams per connection (default 0: as many as the
                      server's SETTINGS_MAX_CONCURRENT_STREAMS allow)
Prints one JSON line on stdout; a human summary on stderr.
)";
}

bool parse_options(int argc, char** argv, LoadOptions& o) {
  std::string url;
  for (int i = 1; i < argc; ++i) {
    const std::string key = argv[i];
    if (key == "--help" || key == "-h") return false;
    if (key == "--tls" || key == "--http2") {
      (key == "--tls" ? o.tls : o.http2) = true;
      continue;
    }
    if (i + 1 >= argc) {
      std::cerr << "sse_load: " << key << " needs a value\n";
      return false;
    }
    const std::string value = argv[++i];
    if (key == "--url")
      url = value;
    else if (key == "--connections")
      o.connections = static_cast<uint32_t>(std::stoul(value));
    else if (key == "--rate")
      o.connect_rate = std::stod(value);
    else if (key == "--duration")
      o.duration_s = std::stod(value);
    else if (key == "--grace")
      o.grace_s = std::stod(value);
    else if (key == "--grace-max")
      o.grace_max_s = std::stod(value);
    else if (key == "--threads")
      o.threads = std::max(1, std::stoi(value));
    else if (key == "--source-first")
      o.source_first = std::stoi(value);
    else if (key == "--source-count")
      o.source_count = std::stoi(value);
    else if (key == "--header")
      o.headers.push_back(value);
    else if (key == "--ready-file")
      o.ready_file = value;
    else if (key == "--done-file")
      o.done_file = value;
    else if (key == "--first-seq")
      o.first_seq = std::stoull(value);
    else if (key == "--label")
      o.label = value;
    else if (key == "--retries")
      o.retries = std::stoi(value);
    else if (key == "--cacert")
      o.ca_file = value;
    else if (key == "--server-name")
      o.server_name = value;
    else if (key == "--streams-per-connection")
      o.streams_per_connection = static_cast<uint32_t>(std::stoul(value));
    else {
      std::cerr << "sse_load: unknown option " << key << "\n";
      return false;
    }
  }
  std::string error;
  if (url.empty() || !parse_http_url(url, o.url, error)) {
    std::cerr << "sse_load: " << (url.empty() ? "--url is required" : error) << "\n";
    return false;
  }
  if (o.url.https) o.tls = true;
  if (o.connect_rate <= 0 || o.duration_s <= 0) {
    std::cerr << "sse_load: --rate and --duration must be positive\n";
    return false;
  }
  if (o.source_first < 1 || o.source_first + o.source_count > 255) {
    std::cerr << "sse_load: source addresses must stay within 127.0.0.1..254\n";
    return false;
  }
  return true;
}

// Reads "last_seq":N from the publisher's JSON summary; 0 when absent.
uint64_t read_last_seq(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const std::string s = text.str();
  const size_t at = s.find("\"last_seq\":");
  if (at == std::string::npos) return 0;
  return std::strtoull(s.c_str() + at + 11, nullptr, 10);
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out.push_back(c);
  }
  return out;
}

struct LossTally {
  uint64_t expected = 0;   // deliveries each subscription should have had
  uint64_t delivered = 0;  // distinct events in that range that arrived
  uint64_t lost = 0;
  uint64_t duplicates = 0;
  uint64_t subs_with_loss = 0;
  uint64_t subs_with_duplicates = 0;
  uint64_t silent = 0;  // streamed but never got an event, with no known start
};

uint64_t count_bits(const std::vector<uint64_t>& bits, uint64_t from, uint64_t to) {
  uint64_t n = 0;
  for (uint64_t seq = from; seq <= to;) {
    const size_t word = static_cast<size_t>(seq / 64);
    if (word >= bits.size()) break;
    if (seq % 64 == 0 && seq + 63 <= to) {
      n += static_cast<uint64_t>(std::popcount(bits[word]));
      seq += 64;
    } else {
      n += (bits[word] >> (seq % 64)) & 1u;
      ++seq;
    }
  }
  return n;
}

void tally_subscription(const Subscription& sub, uint64_t ready_us, uint64_t first_seq,
                        uint64_t final_seq, LossTally& t) {
  if (!sub.streaming) return;
  t.duplicates += sub.duplicates;
  if (sub.duplicates > 0) ++t.subs_with_duplicates;
  uint64_t from = 0;
  if (ready_us != 0 && sub.established_us <= ready_us)
    from = first_seq;
  else if (sub.unique > 0)
    from = sub.first_seq;
  if (from == 0) {
    ++t.silent;
    return;
  }
  if (final_seq < from) return;
  const uint64_t expected = final_seq - from + 1;
  const uint64_t got = count_bits(sub.seen, from, final_seq);
  t.expected += expected;
  t.delivered += got;
  if (got < expected) {
    t.lost += expected - got;
    ++t.subs_with_loss;
  }
}

// What the main thread learned while the workers ran.
struct RunOutcome {
  uint64_t start_us = 0;   // wall clock when the first subscription was due
  uint64_t ready_us = 0;   // wall clock when every subscription had opened or failed
  uint64_t final_seq = 0;  // the publisher's last acknowledged event, 0 if unknown
};

// Watches the workers: writes the ready file once the ramp is over, and ends the run when
// the publisher is done and the streams have gone quiet, or at --duration whatever happens.
RunOutcome supervise(const LoadOptions& options, LoadShared& shared) {
  RunOutcome out;
  out.start_us = wall_clock_us() - (monotonic_us() - shared.start_mono_us);
  const auto deadline = shared.start_mono_us + static_cast<uint64_t>(options.duration_s * 1e6);
  const auto ramp_us = static_cast<uint64_t>(options.connections / options.connect_rate * 1e6);
  uint64_t stop_at = deadline;
  bool done_seen = false;
  uint64_t last_activity = 0;
  uint64_t quiet_since = monotonic_us();
  while (monotonic_us() < stop_at) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const uint64_t now = monotonic_us();
    const bool all_resolved = shared.resolved.load() >= options.connections;
    const bool ramp_overdue = now > shared.start_mono_us + ramp_us + 10'000'000;
    if (out.ready_us == 0 && (all_resolved || ramp_overdue)) {
      out.ready_us = wall_clock_us();
      if (!options.ready_file.empty()) {
        write_file_atomically(options.ready_file,
                              "{\"resolved\":" + std::to_string(shared.resolved.load()) + "}\n");
      }
      std::cerr << "sse_load: ready, " << shared.resolved.load() << " resolved\n";
    }
    const uint64_t activity = shared.reads_with_events.load(std::memory_order_relaxed);
    if (activity != last_activity) {
      last_activity = activity;
      quiet_since = now;
    }
    if (!done_seen && !options.done_file.empty() && access(options.done_file.c_str(), R_OK) == 0) {
      done_seen = true;
      out.final_seq = read_last_seq(options.done_file);
      stop_at = std::min(deadline, now + static_cast<uint64_t>(options.grace_max_s * 1e6));
    }
    if (done_seen && now - quiet_since > static_cast<uint64_t>(options.grace_s * 1e6)) break;
  }
  return out;
}

void add_counters(const LoadCounters& c, LoadCounters& total) {
  total.connected += c.connected;
  total.failed += c.failed;
  total.retried += c.retried;
  total.dropped += c.dropped;
  total.deliveries += c.deliveries;
  total.unparsed += c.unparsed;
  total.comments += c.comments;
  total.body_bytes += c.body_bytes;
  total.latency.merge(c.latency);
  total.h2_connections += c.h2_connections;
  if (c.first_event_us && (!total.first_event_us || c.first_event_us < total.first_event_us)) {
    total.first_event_us = c.first_event_us;
  }
  total.last_event_us = std::max(total.last_event_us, c.last_event_us);
  total.last_connect_us = std::max(total.last_connect_us, c.last_connect_us);
  if (total.per_second.size() < c.per_second.size()) total.per_second.resize(c.per_second.size());
  for (size_t i = 0; i < c.per_second.size(); ++i) total.per_second[i] += c.per_second[i];
  for (const auto& [k, v] : c.errors) total.errors[k] += v;
}

std::string summary_json(const LoadOptions& options, const LoadCounters& total,
                         const LossTally& loss, const RunOutcome& outcome, double rate) {
  std::ostringstream json;
  json << "{\"tool\":\"sse_load\",\"cpu_s\":" << process_cpu_seconds() << ",\"label\":\""
       << json_escape(options.label) << "\",\"connections\":" << options.connections
       << ",\"protocol\":\"" << (options.http2 ? "h2" : "http/1.1")
       << "\",\"tls\":" << (options.tls ? "true" : "false")
       << ",\"h2_connections\":" << total.h2_connections << ",\"connected\":" << total.connected
       << ",\"failed\":" << total.failed << ",\"retried\":" << total.retried
       << ",\"dropped\":" << total.dropped << ",\"deliveries\":" << total.deliveries
       << ",\"unparsed\":" << total.unparsed << ",\"comments\":" << total.comments
       << ",\"bytes\":" << total.body_bytes << ",\"final_seq\":" << outcome.final_seq
       << ",\"expected\":" << loss.expected << ",\"delivered\":" << loss.delivered
       << ",\"lost\":" << loss.lost << ",\"duplicates\":" << loss.duplicates
       << ",\"subs_with_loss\":" << loss.subs_with_loss
       << ",\"subs_with_duplicates\":" << loss.subs_with_duplicates << ",\"silent\":" << loss.silent
       << ",\"first_event_us\":" << total.first_event_us
       << ",\"last_event_us\":" << total.last_event_us << ",\"start_us\":" << outcome.start_us
       << ",\"last_connect_us\":" << total.last_connect_us << ",\"ready_us\":" << outcome.ready_us
       << ",\"deliveries_per_s\":" << static_cast<uint64_t>(rate)
       << ",\"latency_us\":" << total.latency.percentiles_json()
       << ",\"hist\":" << total.latency.buckets_json() << ",\"per_second\":[";
  for (size_t i = 0; i < total.per_second.size(); ++i) {
    json << (i ? "," : "") << total.per_second[i];
  }
  json << "],\"errors\":{";
  bool first = true;
  for (const auto& [k, v] : total.errors) {
    json << (first ? "" : ",") << "\"" << json_escape(k) << "\":" << v;
    first = false;
  }
  json << "}}";
  return json.str();
}

}  // namespace

int run(int argc, char** argv) {
  LoadOptions options;
  if (!parse_options(argc, argv, options)) {
    usage();
    return 2;
  }
  const uint64_t fd_limit = raise_open_file_limit();
  if (options.connections + 64 > fd_limit) {
    std::cerr << "sse_load: warning: " << options.connections << " subscriptions but only "
              << fd_limit << " open files allowed; run several processes\n";
  }
  LoadShared shared;
  shared.start_mono_us = monotonic_us();
  std::vector<std::unique_ptr<LoadWorker>> workers;
  try {
    for (int t = 0; t < options.threads; ++t) {
      workers.push_back(std::make_unique<LoadWorker>(options, t, shared));
    }
  } catch (const std::exception& e) {  // the CA file, at startup
    std::cerr << "sse_load: " << e.what() << "\n";
    return 2;
  }
  std::vector<std::thread> threads;
  for (auto& w : workers) threads.emplace_back([&w] { w->run(); });
  RunOutcome outcome = supervise(options, shared);
  shared.stop = true;
  for (auto& t : threads) t.join();

  LoadCounters total;
  uint64_t max_seq = 0;
  for (auto& w : workers) {
    add_counters(w->counters(), total);
    for (const Subscription& s : w->subscriptions()) max_seq = std::max(max_seq, s.max_seq);
  }
  if (outcome.final_seq == 0) outcome.final_seq = max_seq;
  LossTally loss;
  const uint64_t from_start_before = options.ready_file.empty() ? 0 : outcome.ready_us;
  for (auto& w : workers) {
    for (const Subscription& s : w->subscriptions()) {
      tally_subscription(s, from_start_before, options.first_seq, outcome.final_seq, loss);
    }
  }
  const double window_s =
      total.last_event_us > total.first_event_us
          ? static_cast<double>(total.last_event_us - total.first_event_us) / 1e6
          : 0.0;
  const double rate = window_s > 0 ? static_cast<double>(total.deliveries) / window_s : 0.0;
  std::cout << summary_json(options, total, loss, outcome, rate) << std::endl;
  std::cerr << "sse_load: connected " << total.connected << "/" << options.connections
            << ", failed " << total.failed << ", dropped " << total.dropped << ", deliveries "
            << total.deliveries << " (" << static_cast<uint64_t>(rate) << "/s), lost " << loss.lost
            << "/" << loss.expected << ", duplicates " << loss.duplicates << ", p50/p99/max "
            << total.latency.percentile(0.5) << "/" << total.latency.percentile(0.99) << "/"
            << total.latency.max() << " us\n";
  return 0;
}

}  // namespace ssegw::bench

int main(int argc, char** argv) {
  return ssegw::bench::run(argc, argv);
}
