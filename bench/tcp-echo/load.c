/*
 * Load generator for the tcp-echo benchmark: CONNS connections to 127.0.0.1:PORT, each sends a
 * 64-byte message, waits for all 64 bytes to come back, and repeats. Counts completed round trips
 * over SECONDS after a WARMUP, and prints "round_trips_per_sec <n>". Written in C (epoll, one
 * thread) so that the load generator, pinned to its own core, is never the bottleneck.
 *
 *   cc -O2 -o load load.c && taskset -c 1 ./load PORT [CONNS=50] [SECONDS=5] [WARMUP=1]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG 64

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: load PORT [CONNS] [SECONDS] [WARMUP]\n");
    return 2;
  }
  int port = atoi(argv[1]);
  int conns = argc > 2 ? atoi(argv[2]) : 50;
  double seconds = argc > 3 ? atof(argv[3]) : 5;
  double warmup = argc > 4 ? atof(argv[4]) : 1;
  int ep = epoll_create1(0);
  int *got = calloc(conns, sizeof(int));
  char msg[MSG], buf[4096];
  memset(msg, 'x', MSG);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  for (int i = 0; i < conns; i++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
      perror("connect");
      return 1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = ((unsigned long)i << 32) | fd};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    if (write(fd, msg, MSG) != MSG) {
      perror("write");
      return 1;
    }
  }
  long count = 0, counted = 0;
  double start = now(), measure_from = start + warmup, end = measure_from + seconds;
  int measuring = 0;
  struct epoll_event events[256];
  for (;;) {
    int n = epoll_wait(ep, events, 256, 1000);
    double t = now();
    if (!measuring && t >= measure_from) {
      measuring = 1;
      counted = count;
      measure_from = t;
      end = t + seconds;
    }
    if (measuring && t >= end) {
      printf("round_trips_per_sec %.0f\n", (count - counted) / (t - measure_from));
      return 0;
    }
    for (int k = 0; k < n; k++) {
      int fd = (int)(events[k].data.u64 & 0xffffffff);
      int i = (int)(events[k].data.u64 >> 32);
      ssize_t r = read(fd, buf, sizeof buf);
      if (r <= 0) {
        if (r < 0 && errno == EAGAIN) continue;
        fprintf(stderr, "connection %d closed by the server\n", i);
        return 1;
      }
      got[i] += (int)r;
      while (got[i] >= MSG) {
        got[i] -= MSG;
        count++;
        if (write(fd, msg, MSG) != MSG) {
          perror("write");
          return 1;
        }
      }
    }
  }
}
