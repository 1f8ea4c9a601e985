#include "bench/floor/floor_run.h"

#include <sys/resource.h>
#include <time.h>

#include <chrono>
#include <thread>

namespace ssegw::bench {

namespace {

using Clock = std::chrono::steady_clock;

uint64_t clock_ns(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

uint64_t thread_sys_ns() {
  rusage usage{};
  getrusage(RUSAGE_THREAD, &usage);
  return static_cast<uint64_t>(usage.ru_stime.tv_sec) * 1'000'000'000u +
         static_cast<uint64_t>(usage.ru_stime.tv_usec) * 1000u;
}

uint64_t elapsed_ns(Clock::time_point from, Clock::time_point to) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count());
}

}  // namespace

RunMeasure run_rounds(RoundWriter& writer, const RunLimits& limits,
                      const ReceiverProcess& receiver) {
  WriteCounts warmup;
  for (uint32_t i = 0; i < limits.warmup_rounds; ++i) writer.write_round(warmup);

  RunMeasure m;
  const uint64_t thread0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
  const uint64_t sys0 = thread_sys_ns();
  const uint64_t process0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
  const uint64_t receiver0 = receiver.cpu_ns();
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline =
      start + std::chrono::nanoseconds(static_cast<int64_t>(limits.duration_s * 1e9));
  Clock::time_point end = start;
  for (uint64_t r = 0; r < limits.rounds; ++r) {
    if (limits.rate > 0) {
      const auto due = start + std::chrono::nanoseconds(static_cast<int64_t>(
                                   static_cast<double>(r) * 1e9 / limits.rate));
      if (due >= deadline) break;
      std::this_thread::sleep_until(due);
    }
    const Clock::time_point before = Clock::now();
    if (before >= deadline) break;
    writer.write_round(m.counts);
    end = Clock::now();
    m.write_wall_ns += elapsed_ns(before, end);
    ++m.rounds;
  }
  m.thread_cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID) - thread0;
  m.thread_sys_ns = thread_sys_ns() - sys0;
  m.process_cpu_ns = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - process0;
  const uint64_t receiver1 = receiver.cpu_ns();
  m.receiver_cpu_ns = receiver1 > receiver0 ? receiver1 - receiver0 : 0;
  m.seconds = static_cast<double>(elapsed_ns(start, end)) / 1e9;
  return m;
}

}  // namespace ssegw::bench
