#pragma once
// One round of the floor: one frame written to every sending socket. Each way of writing
// (one sendmsg per socket, or batches through io_uring) is a RoundWriter.
#include <cstdint>
#include <string>

namespace ssegw::bench {

struct WriteCounts {
  uint64_t writes = 0;       // sends that took at least one byte
  uint64_t partial = 0;      // .. of which took less than the whole frame
  uint64_t would_block = 0;  // EAGAIN: the socket was full, the frame was skipped
  uint64_t errors = 0;       // any other failure
  uint64_t syscalls = 0;     // system calls that carried the sends
};

class RoundWriter {
 public:
  virtual ~RoundWriter() = default;
  virtual const char* mode() const = 0;
  // Writes the frame once to every socket, adding what happened to `counts`.
  virtual void write_round(WriteCounts& counts) = 0;
  // Extra JSON members describing the writer (",\"key\":value..."), or "".
  virtual std::string json_details() const { return ""; }
};

}  // namespace ssegw::bench
