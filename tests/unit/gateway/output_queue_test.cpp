#include "gateway/output_queue.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

namespace ssegw {
namespace {

FrameRef frame(std::string bytes) {
  return FrameRef::adopt(new Frame(1, Event{}, std::move(bytes), 0));
}

std::string drain(int fd) {
  std::string out;
  char buf[65536];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

TEST(OutputQueue, WritesFramesInOrderAndSharesThem) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
  FrameRef shared = frame("data: x\n\n");
  OutputQueue a, b;
  a.push_owned("head\n");
  a.push(shared);
  b.push(shared);
  size_t written = 0;
  EXPECT_EQ(a.write_to(sv[0], &written), WriteResult::kDone);
  EXPECT_EQ(written, 14u);
  EXPECT_EQ(b.write_to(sv[0], &written), WriteResult::kDone);
  EXPECT_EQ(drain(sv[1]), "head\ndata: x\n\ndata: x\n\n");
  EXPECT_TRUE(a.empty());
  close(sv[0]);
  close(sv[1]);
}

TEST(OutputQueue, PartialWritesResumeMidFrame) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
  int small = 4096;
  setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  OutputQueue q;
  std::string expected;
  for (int i = 0; i < 200; ++i) {
    std::string chunk(997, static_cast<char>('a' + i % 26));
    expected += chunk;
    q.push(frame(chunk));
  }
  std::string got;
  size_t written = 0;
  int rounds = 0;
  while (!q.empty() && rounds++ < 10000) {
    WriteResult r = q.write_to(sv[0], &written);
    ASSERT_NE(r, WriteResult::kError);
    got += drain(sv[1]);
  }
  got += drain(sv[1]);
  EXPECT_EQ(got, expected);
  EXPECT_EQ(q.bytes(), 0u);
  close(sv[0]);
  close(sv[1]);
}

TEST(OutputQueue, BytesBehindHeadLeaveOutTheFrameBeingWritten) {
  OutputQueue q;
  EXPECT_EQ(q.bytes_behind_head(), 0u);
  q.push(frame(std::string(1000, 'a')));
  EXPECT_EQ(q.bytes_behind_head(), 0u);  // one large frame alone is never "behind"
  q.push(frame("bcd"));
  EXPECT_EQ(q.bytes(), 1003u);
  EXPECT_EQ(q.bytes_behind_head(), 3u);
}

TEST(OutputQueue, ClosedPeerIsAnError) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
  close(sv[1]);
  OutputQueue q;
  q.push_owned("x");
  size_t written = 0;
  EXPECT_EQ(q.write_to(sv[0], &written), WriteResult::kError);
  close(sv[0]);
}

TEST(OutputQueue, AppendKeepsOrderAfterAPartialWrite) {
  OutputQueue a, b;
  a.push_owned("1");
  b.push_owned("2");
  b.push_owned("3");
  a.append(std::move(b));
  EXPECT_EQ(a.bytes(), 3u);
  EXPECT_TRUE(b.empty());
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
  size_t written = 0;
  a.write_to(sv[0], &written);
  EXPECT_EQ(drain(sv[1]), "123");
  close(sv[0]);
  close(sv[1]);
}

TEST(OutputQueue, GatherOffersTheUnwrittenBytesAndConsumeDropsThemAcrossFrames) {
  OutputQueue q;
  q.push_owned("abc");
  q.push(frame("defg"));
  q.push(frame("hi"));
  q.consume(2);  // into the first frame
  iovec iov[OutputQueue::kMaxIov];
  size_t offered = 0;
  ASSERT_EQ(q.gather(iov, OutputQueue::kMaxIov, &offered), 3u);
  EXPECT_EQ(offered, 7u);
  EXPECT_EQ(std::string(static_cast<char*>(iov[0].iov_base), iov[0].iov_len), "c");
  q.consume(3);  // the rest of the first frame and two bytes of the second
  ASSERT_EQ(q.gather(iov, 1, &offered), 1u);
  EXPECT_EQ(std::string(static_cast<char*>(iov[0].iov_base), iov[0].iov_len), "fg");
  EXPECT_EQ(offered, 2u);
  EXPECT_EQ(q.bytes(), 4u);
  q.consume(4);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.gather(iov, OutputQueue::kMaxIov, &offered), 0u);
  EXPECT_EQ(offered, 0u);
}

TEST(OutputQueue, WholeFramesWithinStopsAtAFrameBoundaryUnlessTheFirstIsLonger) {
  OutputQueue q;
  q.push(frame("aaaa"));
  q.push(frame("bbbbbb"));
  q.push(frame("cc"));
  EXPECT_EQ(q.whole_frames_within(9), 4u);    // "aaaa" fits, "bbbbbb" would not
  EXPECT_EQ(q.whole_frames_within(10), 10u);  // both
  EXPECT_EQ(q.whole_frames_within(100), 12u);
  EXPECT_EQ(q.whole_frames_within(3), 3u);  // the first alone is longer: split it
  q.consume(1);
  EXPECT_EQ(q.whole_frames_within(3), 3u);  // "aaa" left of the first
  EXPECT_EQ(q.whole_frames_within(8), 3u);
}

TEST(OutputQueue, MoveFrontToSharesWholeFramesAndCopiesOnlyASplitOne) {
  FrameRef first = frame("first-");
  FrameRef second = frame("second");
  OutputQueue from, to;
  from.push(first);
  from.push(second);
  from.move_front_to(to, 9);  // all of the first, three bytes of the second
  EXPECT_EQ(to.bytes(), 9u);
  EXPECT_EQ(from.bytes(), 3u);
  iovec iov[4];
  size_t offered = 0;
  ASSERT_EQ(to.gather(iov, 4, &offered), 2u);
  EXPECT_EQ(iov[0].iov_base, first->bytes().data());  // by reference
  EXPECT_EQ(std::string(static_cast<char*>(iov[1].iov_base), iov[1].iov_len), "sec");
  ASSERT_EQ(from.gather(iov, 4, &offered), 1u);
  EXPECT_EQ(std::string(static_cast<char*>(iov[0].iov_base), iov[0].iov_len), "ond");
  from.move_front_to(to, 3);
  EXPECT_TRUE(from.empty());
  EXPECT_EQ(to.bytes(), 12u);
}

TEST(OutputQueue, CopyFrontCopiesAcrossFramesFromTheUnwrittenOffsetUpToMax) {
  OutputQueue q;
  q.push(frame("abcd"));
  q.push(frame("efgh"));
  q.consume(1);
  char buf[16];
  ASSERT_EQ(q.copy_front(buf, 5), 5u);
  EXPECT_EQ(std::string(buf, 5), "bcdef");
  ASSERT_EQ(q.copy_front(buf, sizeof buf), 7u);
  EXPECT_EQ(std::string(buf, 7), "bcdefgh");
  EXPECT_EQ(q.bytes(), 7u);  // nothing consumed
}

}  // namespace
}  // namespace ssegw
