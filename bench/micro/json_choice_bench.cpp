// Issue 12 asks for the JSON library to be chosen by measurement: a JWT payload's claims
// (strings, numbers, the "sse" object with arrays) read with simdjson's On-Demand API and with
// nlohmann::json, on one core.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace {

const std::string kPayload =
    R"({"iss":"https://auth.example.com","aud":["sse-gateway","other"],"sub":"user-1234",)"
    R"("exp":1796140000,"nbf":1796130000,"iat":1796130000,)"
    R"("sse":{"subscribe":["/orders","/rooms/*","/users/1234/**"],"publish":["/orders"]}})";

struct Claims {
  std::string iss;
  int64_t exp = 0;
  std::vector<std::string> subscribe;
};

void BM_Simdjson(benchmark::State& state) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(kPayload);
  for (auto _ : state) {
    Claims c;
    simdjson::ondemand::document doc = parser.iterate(padded);
    for (auto field : doc.get_object()) {
      std::string_view key = field.unescaped_key();
      if (key == "iss") {
        c.iss = std::string(std::string_view(field.value().get_string()));
      } else if (key == "exp") {
        c.exp = field.value().get_int64();
      } else if (key == "sse") {
        for (auto entry : field.value().get_object()) {
          if (std::string_view(entry.unescaped_key()) != "subscribe") continue;
          for (auto item : entry.value().get_array())
            c.subscribe.emplace_back(std::string_view(item.get_string()));
        }
      }
    }
    benchmark::DoNotOptimize(c);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kPayload.size()));
}
BENCHMARK(BM_Simdjson);

void BM_Nlohmann(benchmark::State& state) {
  for (auto _ : state) {
    Claims c;
    nlohmann::json j = nlohmann::json::parse(kPayload);
    c.iss = j.at("iss").get<std::string>();
    c.exp = j.at("exp").get<int64_t>();
    for (const auto& s : j.at("sse").at("subscribe")) c.subscribe.push_back(s.get<std::string>());
    benchmark::DoNotOptimize(c);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kPayload.size()));
}
BENCHMARK(BM_Nlohmann);

}  // namespace

BENCHMARK_MAIN();
