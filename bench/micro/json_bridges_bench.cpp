// Issue 12 asks whether simdjson could replace the bridges' hand-written JSON code, provided
// `format: json` validation (bridges/common/json_text.cpp) and `key: {json: /pointer}`
// (bridges/kafka/json_pointer.cpp) stay at least as fast. Each pair below does the same job on
// the same input, one core, parser and buffers reused as a bridge would reuse them:
//   validate: the scanner vs simdjson's DOM parser (which validates the whole text, UTF-8 too);
//   pointer:  the scanner (validates the text, then reads the value with numbers spelt as sent)
//             vs simdjson DOM (validation) followed by On-Demand at_pointer (the spelling, which
//             DOM does not keep), and On-Demand alone for reference (it does not validate what
//             it does not reach, so it is not the same job).
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <string>

#include "bridges/common/json_text.h"
#include "bridges/kafka/json_pointer.h"

namespace {

const std::string kSmall =
    R"({"symbol":"ACME","price":123.4500,"size":300,"ts":"2026-12-01T18:00:00.123Z",)"
    R"("venue":"XNAS","flags":["regular","lit"],"seq":98765432})";

std::string medium() {
  std::string out = R"({"batch":[)";
  for (int i = 0; i < 30; ++i) {
    if (i) out += ',';
    out += R"({"symbol":"SYM)" + std::to_string(i) + R"(","price":)" + std::to_string(100 + i) +
           R"(.25,"size":)" + std::to_string(i * 10) +
           R"(,"note":"caf\u00e9 \"quoted\" text","ok":true,"prev":null})";
  }
  out += R"(],"symbol":"LAST"})";
  return out;
}
const std::string kMedium = medium();

const std::string& payload(const benchmark::State& state) {
  return state.range(0) == 0 ? kSmall : kMedium;
}

void BM_ValidateScanner(benchmark::State& state) {
  const std::string& text = payload(state);
  for (auto _ : state) benchmark::DoNotOptimize(ssegw::is_json_text(text));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}

void BM_ValidateSimdjsonDom(benchmark::State& state) {
  const std::string& text = payload(state);
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element doc;
    benchmark::DoNotOptimize(parser.parse(text.data(), text.size()).get(doc) == simdjson::SUCCESS);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}

void BM_PointerScanner(benchmark::State& state) {
  const std::string& text = payload(state);
  for (auto _ : state) benchmark::DoNotOptimize(ssegw::kafka::json_pointer_value(text, "/symbol"));
}

// On-Demand's read of /symbol, the input copied into a reused padded buffer as it needs.
std::string read_symbol(simdjson::ondemand::parser& reader, std::string& padded,
                        const std::string& text) {
  padded.assign(text);
  padded.append(simdjson::SIMDJSON_PADDING, ' ');
  simdjson::ondemand::document od;
  std::string_view value;
  if (reader.iterate(padded.data(), text.size(), padded.size()).get(od) ||
      od.at_pointer("/symbol").get_string().get(value))
    return {};
  return std::string(value);
}

// What a bridge would have to do with simdjson for the same answer: validate, then read.
void BM_PointerSimdjsonDomThenOnDemand(benchmark::State& state) {
  const std::string& text = payload(state);
  simdjson::dom::parser validator;
  simdjson::ondemand::parser reader;
  std::string padded;
  for (auto _ : state) {
    simdjson::dom::element doc;
    if (validator.parse(text.data(), text.size()).get(doc) != simdjson::SUCCESS) continue;
    benchmark::DoNotOptimize(read_symbol(reader, padded, text));
  }
}

void BM_PointerSimdjsonOnDemandOnly(benchmark::State& state) {
  const std::string& text = payload(state);
  simdjson::ondemand::parser reader;
  std::string padded;
  for (auto _ : state) {
    benchmark::DoNotOptimize(read_symbol(reader, padded, text));
  }
}

// Arg 0: a 150-byte event; 1: a 3.5 KiB batch whose pointer target is at the end.
BENCHMARK(BM_ValidateScanner)->Arg(0)->Arg(1);
BENCHMARK(BM_ValidateSimdjsonDom)->Arg(0)->Arg(1);
BENCHMARK(BM_PointerScanner)->Arg(0)->Arg(1);
BENCHMARK(BM_PointerSimdjsonDomThenOnDemand)->Arg(0)->Arg(1);
BENCHMARK(BM_PointerSimdjsonOnDemandOnly)->Arg(0)->Arg(1);

}  // namespace

BENCHMARK_MAIN();
