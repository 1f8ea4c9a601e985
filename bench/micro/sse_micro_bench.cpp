// The SSE parser (upstream side) and the framer (subscriber side): bytes/s and events/s on
// one core, for small and large events.
#include <benchmark/benchmark.h>

#include <string>

#include "bridges/sse/sse_parser.h"
#include "gateway/sse_framer.h"

namespace {

// A stream of events of about `size` bytes of data each, `total` bytes in all.
std::string make_stream(size_t event_size, size_t total) {
  ssegw::Event event;
  event.type = "update";
  event.data = std::string(event_size, 'x');
  std::string stream;
  uint64_t id = 0;
  while (stream.size() < total) {
    event.id = std::to_string(++id);
    ssegw::encode_event(event, stream);
  }
  return stream;
}

void BM_Parser(benchmark::State& state) {
  const std::string stream = make_stream(static_cast<size_t>(state.range(0)), 16 << 20);
  int64_t events = 0;
  for (auto _ : state) {
    ssegw::sse::SseParser parser([&](ssegw::sse::SseMessage& m) {
      benchmark::DoNotOptimize(m.data.data());
      ++events;
    });
    // Fed in 16 KiB reads, as a socket delivers it.
    for (size_t at = 0; at < stream.size(); at += 16384) {
      parser.feed(std::string_view(stream).substr(at, 16384));
    }
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(stream.size()));
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Parser)->Arg(100)->Arg(1024)->Arg(16384)->Unit(benchmark::kMillisecond);

void BM_Framer(benchmark::State& state) {
  ssegw::Event event;
  event.id = "1795530579770000001";
  event.type = "update";
  // Multi-line data: the framer's real work is splitting on line breaks.
  for (size_t i = 0; event.data.size() < static_cast<size_t>(state.range(0)); ++i) {
    event.data += (i % 8 == 7) ? '\n' : 'x';
  }
  std::string out;
  for (auto _ : state) {
    out.clear();
    ssegw::encode_event(event, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(event.data.size()));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Framer)->Arg(100)->Arg(1024)->Arg(16384);

}  // namespace

BENCHMARK_MAIN();
