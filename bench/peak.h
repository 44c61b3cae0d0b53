// The machine's measured fp32 peak, so kernel benchmarks can report a
// fraction of what this CPU can actually do (not a datasheet number: this VM
// is shared and its clock moves with host load, see docs/PERFORMANCE.md).
//
// The probe is a loop of independent FMAs on as many accumulators as the FMA
// pipes need to stay full (latency 4 x 2 ports = 8 in flight; 12 used), with
// the widest vectors the CPU has among 512-bit (AVX-512F), 256-bit
// (AVX2+FMA) and 128-bit (SSE, mul+add), run on `threads` threads at once;
// the best of 3. The VM of 2026-11-29 runs a zmm FMA at the rate of a ymm
// one, so zmm doubles the peak there; earlier VMs did not (two ymm FMAs' time).
//
// Rates are per CPU-second (each thread's own CPU time, CLOCK_THREAD_CPUTIME_ID):
// this 2-vCPU VM is shared by several agents and a wall-clock rate measures
// the scheduler share, not the core. Kernel benchmarks therefore measure the
// process CPU time too (MeasureProcessCPUTime) and compare per CPU-second.
#pragma once

namespace onyx::bench {

// GFLOP per CPU-second of one core (an FMA counts 2), with `threads` threads
// running at once; measured once per count.
double measured_peak_gflops(int threads);

// The same, measured now (~0.05 s of CPU per thread). The host's load moves
// the attainable rate by 4x within minutes here (a busy SMT sibling shares
// the FMA pipes), so a kernel's fraction of peak is taken against a probe run
// right after it, not against one from the start of the program.
double peak_gflops_now(int threads);

}  // namespace onyx::bench
