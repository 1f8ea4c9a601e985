#pragma once
// Runs a RoundWriter for a bounded number of rounds and measures what the writes cost the
// sending thread, over the writes only (setup and warm-up excluded).
#include <cstdint>

#include "bench/floor/receiver_process.h"
#include "bench/floor/round_writer.h"

namespace ssegw::bench {

struct RunLimits {
  uint64_t rounds = 1'000'000;
  double duration_s = 5;  // measured rounds stop when this has passed, whichever comes first
  double rate = 0;        // rounds per second; 0 = back to back
  uint32_t warmup_rounds = 1;
};

struct RunMeasure {
  WriteCounts counts;
  uint64_t rounds = 0;
  uint64_t thread_cpu_ns = 0;   // CLOCK_THREAD_CPUTIME_ID of the sending thread
  uint64_t thread_sys_ns = 0;   // .. of which in the kernel (getrusage RUSAGE_THREAD)
  uint64_t process_cpu_ns = 0;  // the whole sending process, io_uring workers included
  uint64_t receiver_cpu_ns = 0;
  uint64_t write_wall_ns = 0;  // wall time inside the rounds, pacing sleeps excluded
  double seconds = 0;          // wall time of the measured part, pacing included
};

RunMeasure run_rounds(RoundWriter& writer, const RunLimits& limits,
                      const ReceiverProcess& receiver);

}  // namespace ssegw::bench
