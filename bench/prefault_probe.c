/* How fast fresh anonymous memory can be filled, four ways: 2 MiB pages
 * faulted in by the writes (mode 0), 4 KiB pages faulted in by the writes
 * (1), 4 KiB pages prefaulted with one MADV_POPULATE_WRITE (2), 2 MiB pages
 * prefaulted (3). Prints the prefault and fill times in ms. What the numbers
 * say on this VM, and why weight memory takes mode 2 for large buffers, is
 * in src/base/weight_memory.h. Run each mode in a fresh process, alternated,
 * some after a pause of a few seconds (freed memory goes back to the host):
 *
 *   gcc -O2 bench/prefault_probe.c -o /tmp/prefault_probe
 *   for s in 0 3; do for m in 0 1 2 3 0 1 2 3; do sleep $s; /tmp/prefault_probe $m 150; done; done
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s MODE(0-3) MIB\n", argv[0]);
    return 2;
  }
  const int mode = atoi(argv[1]);
  const size_t huge = (size_t)2 << 20, n = (size_t)atoi(argv[2]) << 20;
  const double t0 = now_ms();
  char* raw = mmap(NULL, n + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return 1;
  char* p = (char*)(((unsigned long)raw + huge - 1) & ~(huge - 1)); /* huge-page aligned */
  madvise(p, n, mode == 0 || mode == 3 ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
  if (mode >= 2 && madvise(p, n, MADV_POPULATE_WRITE) != 0) perror("MADV_POPULATE_WRITE");
  const double t1 = now_ms();
  memset(p, 1, n);
  const double t2 = now_ms();
  printf("mode %d: prefault %.1f fill %.1f total %.1f ms\n", mode, t1 - t0, t2 - t1, t2 - t0);
  return 0;
}
