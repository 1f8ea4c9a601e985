#include "output_queue.h"

#include <errno.h>
#include <sys/socket.h>

#include <algorithm>
#include <climits>
#include <cstring>

namespace ssegw {
void OutputQueue::push_view(FrameRef keeper, const char* data, size_t size) {
  if (size == 0) return;
  if (head_ >= 32 && head_ * 2 >= pieces_.size()) {
    // A subscriber that is always a little behind never empties; reclaim written slots.
    pieces_.erase(pieces_.begin(), pieces_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
  bytes_ += size;
  pieces_.push_back(Piece{std::move(keeper), data, size});
}

size_t OutputQueue::bytes_behind_head() const {
  if (head_ >= pieces_.size()) return 0;
  return bytes_ - (pieces_[head_].size - head_offset_);
}

void OutputQueue::push_owned(std::string bytes) {
  if (bytes.empty()) return;
  push(FrameRef::adopt(new Frame(0, Event{}, std::move(bytes), 0)));
}

size_t OutputQueue::gather(iovec* iov, size_t max, size_t* offered) const {
  size_t count = 0;
  *offered = 0;
  for (size_t i = head_; i < pieces_.size() && count < max; ++i, ++count) {
    const Piece& p = pieces_[i];
    const size_t skip = i == head_ ? head_offset_ : 0;
    iov[count].iov_base = const_cast<char*>(p.data + skip);
    iov[count].iov_len = p.size - skip;
    *offered += p.size - skip;
  }
  return count;
}

size_t OutputQueue::copy_front(char* to, size_t max) const {
  size_t length = 0;
  for (size_t i = head_; i < pieces_.size() && length < max; ++i) {
    const Piece& p = pieces_[i];
    const size_t skip = i == head_ ? head_offset_ : 0;
    const size_t take = std::min(p.size - skip, max - length);
    std::memcpy(to + length, p.data + skip, take);
    length += take;
  }
  return length;
}

void OutputQueue::consume(size_t n) {
  bytes_ -= n;
  while (n > 0) {
    const size_t rest = pieces_[head_].size - head_offset_;
    if (n < rest) {
      head_offset_ += n;
      break;
    }
    n -= rest;
    pieces_[head_].keeper = FrameRef();
    ++head_;
    head_offset_ = 0;
  }
  if (bytes_ == 0) clear();
}

WriteResult OutputQueue::write_to(int fd, size_t* written) {
  *written = 0;
  while (bytes_ > 0) {
    iovec iov[kMaxIov];
    size_t offered = 0;
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = gather(iov, kMaxIov, &offered);
    // sendmsg rather than writev for MSG_NOSIGNAL: a peer that went away must not raise SIGPIPE.
    ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return WriteResult::kBlocked;
      return WriteResult::kError;
    }
    *written += static_cast<size_t>(n);
    consume(static_cast<size_t>(n));
    // A short write means the socket buffer is full: wait for EV_WRITE.
    if (static_cast<size_t>(n) < offered && bytes_ > 0) return WriteResult::kBlocked;
  }
  clear();
  return WriteResult::kDone;
}

void OutputQueue::append(OutputQueue&& other) {
  for (size_t i = other.head_; i < other.pieces_.size(); ++i) {
    Piece& p = other.pieces_[i];
    const size_t skip = i == other.head_ ? other.head_offset_ : 0;
    push_view(std::move(p.keeper), p.data + skip, p.size - skip);
  }
  other.clear();
}

size_t OutputQueue::whole_frames_within(size_t max) const {
  size_t total = 0;
  for (size_t i = head_; i < pieces_.size(); ++i) {
    const size_t size = pieces_[i].size - (i == head_ ? head_offset_ : 0);
    if (total + size > max) break;
    total += size;
  }
  return total > 0 ? total : std::min(max, bytes_);
}

void OutputQueue::move_front_to(OutputQueue& to, size_t n) {
  while (n > 0 && head_ < pieces_.size()) {
    Piece& p = pieces_[head_];
    const size_t rest = p.size - head_offset_;
    const size_t take = std::min(rest, n);
    if (take == rest) {
      // The rest of a piece moves by reference, whatever was written of it before.
      to.push_view(p.keeper, p.data + head_offset_, rest);
    } else {
      to.push_owned(std::string(p.data + head_offset_, take));
    }
    consume(take);
    n -= take;
  }
}

void OutputQueue::clear() {
  pieces_.clear();
  // Keep a small vector for the next batch; give back what a burst made large.
  if (pieces_.capacity() > 64) pieces_.shrink_to_fit();
  head_ = 0;
  head_offset_ = 0;
  bytes_ = 0;
}

}  // namespace ssegw
