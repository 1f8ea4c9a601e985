#include "bench/floor/sendmsg_writer.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>

namespace ssegw::bench {

void SendmsgWriter::write_round(WriteCounts& counts) {
  iovec iov{const_cast<char*>(frame_.data()), frame_.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  for (const UniqueFd& sock : sockets_) {
    const ssize_t n = ::sendmsg(sock.get(), &msg, MSG_NOSIGNAL);
    ++counts.syscalls;
    if (n > 0) {
      ++counts.writes;
      if (static_cast<size_t>(n) < frame_.size()) ++counts.partial;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      ++counts.would_block;
    } else {
      ++counts.errors;
    }
  }
}

}  // namespace ssegw::bench
