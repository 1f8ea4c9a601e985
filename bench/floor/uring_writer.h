#pragma once
// The same writes batched through io_uring: one IORING_OP_SEND per socket, up to `batch` of
// them carried by one io_uring_enter. Built only when liburing was found (SSEGW_FLOOR_URING).
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bench/floor/round_writer.h"
#include "gateway/unique_fd.h"

namespace ssegw::bench {

// False when this build has no liburing.
bool uring_built();

// The io_uring writer, or nullptr with `error` set (no liburing in this build, or the kernel
// refused a ring).
std::unique_ptr<RoundWriter> make_uring_writer(const std::vector<UniqueFd>& sockets,
                                               std::string_view frame, unsigned batch,
                                               std::string& error);

}  // namespace ssegw::bench
