#include "output_queue.h"

#include <errno.h>
#include <sys/socket.h>

#include <algorithm>
#include <climits>
#include <cstring>

namespace ssegw {
void OutputQueue::push(FrameRef frame) {
  if (head_ >= 32 && head_ * 2 >= frames_.size()) {
    // A subscriber that is always a little behind never empties; reclaim written slots.
    frames_.erase(frames_.begin(), frames_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
  bytes_ += frame->bytes().size();
  frames_.push_back(std::move(frame));
}

size_t OutputQueue::bytes_behind_head() const {
  if (head_ >= frames_.size()) return 0;
  return bytes_ - (frames_[head_]->bytes().size() - head_offset_);
}

void OutputQueue::push_owned(std::string bytes) {
  if (bytes.empty()) return;
  push(FrameRef::adopt(new Frame(0, Event{}, std::move(bytes), 0)));
}

size_t OutputQueue::gather(iovec* iov, size_t max, size_t* offered) const {
  size_t count = 0;
  *offered = 0;
  for (size_t i = head_; i < frames_.size() && count < max; ++i, ++count) {
    const std::string& b = frames_[i]->bytes();
    const size_t skip = i == head_ ? head_offset_ : 0;
    iov[count].iov_base = const_cast<char*>(b.data() + skip);
    iov[count].iov_len = b.size() - skip;
    *offered += b.size() - skip;
  }
  return count;
}

size_t OutputQueue::copy_front(char* to, size_t max) const {
  size_t length = 0;
  for (size_t i = head_; i < frames_.size() && length < max; ++i) {
    const std::string& b = frames_[i]->bytes();
    const size_t skip = i == head_ ? head_offset_ : 0;
    const size_t take = std::min(b.size() - skip, max - length);
    std::memcpy(to + length, b.data() + skip, take);
    length += take;
  }
  return length;
}

void OutputQueue::consume(size_t n) {
  bytes_ -= n;
  while (n > 0) {
    const size_t rest = frames_[head_]->bytes().size() - head_offset_;
    if (n < rest) {
      head_offset_ += n;
      break;
    }
    n -= rest;
    frames_[head_] = FrameRef();
    ++head_;
    head_offset_ = 0;
  }
  // Skip empty frames so head_ always points at bytes to write.
  while (head_ < frames_.size() && frames_[head_]->bytes().size() == head_offset_) {
    frames_[head_] = FrameRef();
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
  for (size_t i = other.head_; i < other.frames_.size(); ++i) {
    if (i == other.head_ && other.head_offset_ > 0) {
      const std::string& b = other.frames_[i]->bytes();
      push_owned(b.substr(other.head_offset_));
    } else {
      push(std::move(other.frames_[i]));
    }
  }
  other.clear();
}

size_t OutputQueue::whole_frames_within(size_t max) const {
  size_t total = 0;
  for (size_t i = head_; i < frames_.size(); ++i) {
    const size_t size = frames_[i]->bytes().size() - (i == head_ ? head_offset_ : 0);
    if (total + size > max) break;
    total += size;
  }
  return total > 0 ? total : std::min(max, bytes_);
}

void OutputQueue::move_front_to(OutputQueue& to, size_t n) {
  while (n > 0 && head_ < frames_.size()) {
    const std::string& b = frames_[head_]->bytes();
    const size_t rest = b.size() - head_offset_;
    if (head_offset_ == 0 && rest <= n) {
      to.push(frames_[head_]);
      consume(rest);
      n -= rest;
      continue;
    }
    const size_t take = std::min(rest, n);
    to.push_owned(b.substr(head_offset_, take));
    consume(take);
    n -= take;
  }
}

void OutputQueue::clear() {
  frames_.clear();
  // Keep a small vector for the next batch; give back what a burst made large.
  if (frames_.capacity() > 64) frames_.shrink_to_fit();
  head_ = 0;
  head_offset_ = 0;
  bytes_ = 0;
}

}  // namespace ssegw
