# Benchmark baselines timed inside R (harness.tools.benchmarks): each function runs its call
# `reps` times after one warm-up and returns the best elapsed seconds, so the bridge's
# conversion costs are not counted. The clock is Sys.time() (sub-microsecond), not
# proc.time(), whose elapsed time is rounded to milliseconds on Unix: a 7 ms call would read
# 7 or 8 ms, and the best of several runs the lower. Sourced by harness/r/bridge.py.

harness_best_elapsed <- function(f, reps) {
  f()
  best <- Inf
  for (i in seq_len(reps)) {
    t0 <- Sys.time()
    f()
    best <- min(best, as.numeric(difftime(Sys.time(), t0, units = "secs")))
  }
  best
}

harness_time_coxph <- function(time, status, x, ties = "efron", reps = 5) {
  # coxph(Surv(time, status) ~ x) as a user calls it (model frame included)
  d <- data.frame(time = time, status = status, x = x)
  harness_best_elapsed(function() survival::coxph(survival::Surv(time, status) ~ x, data = d,
                                                  ties = ties), reps)
}

harness_time_coin_logrank <- function(time, status, group, nresample, reps = 3) {
  # coin's Monte Carlo permutation log-rank test (approximate(nresample)), p-value included
  d <- data.frame(time = time, status = status, group = factor(group))
  harness_best_elapsed(function() {
    lt <- coin::logrank_test(survival::Surv(time, status) ~ group, data = d,
                             distribution = coin::approximate(nresample = nresample))
    coin::pvalue(lt)
  }, reps)
}
