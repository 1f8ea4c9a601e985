// Bytes a crash or a bad disk left in a sink's spool folder: a segment file that is torn,
// damaged or not one at all. Opening the spool never crashes, keeps only whole records with
// good checksums, and hands every one it kept back once; each payload is then decoded as a
// spooled event, and whatever decodes re-encodes to the same bytes' meaning.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "bridges/common/sink_spool.h"
#include "bridges/common/spooled_event.h"

namespace {

void check_event_roundtrip(std::string_view payload) {
  const std::optional<ssegw::Event> event = ssegw::decode_spooled_event(payload);
  if (!event) return;
  const std::optional<ssegw::Event> again =
      ssegw::decode_spooled_event(ssegw::encode_spooled_event(*event));
  if (!again || again->id != event->id || again->type != event->type ||
      again->data != event->data || again->origin_id != event->origin_id ||
      again->source != event->source || again->attributes != event->attributes) {
    std::abort();
  }
}

const std::string& spool_dir() {
  static const std::string dir =
      (std::filesystem::temp_directory_path() / ("fuzz-spool-" + std::to_string(::getpid())))
          .string();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  check_event_roundtrip(bytes);

  const std::string& dir = spool_dir();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/00000000000000000001.seg", std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  std::string error;
  std::unique_ptr<ssegw::SinkSpool> spool =
      ssegw::SinkSpool::open({dir, uint64_t{1} << 20, 0, {}}, error);
  if (!spool) return 0;
  const uint64_t kept = spool->records();
  uint64_t read = 0;
  while (std::optional<ssegw::SpoolRecord> record = spool->read_next()) {
    check_event_roundtrip(record->payload);
    spool->commit_oldest();
    ++read;
  }
  if (read != kept || !spool->empty()) std::abort();
  return 0;
}
