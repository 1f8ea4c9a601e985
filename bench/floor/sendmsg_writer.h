#pragma once
// The gateway's way: one sendmsg(MSG_NOSIGNAL) per socket, as it writes a sparse event.
#include <string_view>
#include <vector>

#include "bench/floor/round_writer.h"
#include "gateway/unique_fd.h"

namespace ssegw::bench {

class SendmsgWriter : public RoundWriter {
 public:
  SendmsgWriter(const std::vector<UniqueFd>& sockets, std::string_view frame)
      : sockets_(sockets), frame_(frame) {}
  const char* mode() const override { return "sendmsg"; }
  void write_round(WriteCounts& counts) override;

 private:
  const std::vector<UniqueFd>& sockets_;
  std::string_view frame_;
};

}  // namespace ssegw::bench
