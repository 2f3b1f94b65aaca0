# Resampling baselines and helpers (harness.resample, harness.tools.benchmarks.resampling).
# Sourced by harness/r/bridge.py into a private environment.

harness_coin_logrank <- function(time, status, group, nresample, type = "logrank") {
  # coin's Monte Carlo permutation log-rank test; returns statistic and p
  d <- data.frame(time = time, status = status, group = factor(group))
  lt <- coin::logrank_test(survival::Surv(time, status) ~ group, data = d, type = type,
                           distribution = coin::approximate(nresample = nresample))
  list(statistic = as.numeric(coin::statistic(lt)), p = as.numeric(coin::pvalue(lt)))
}

harness_survdiff_loop <- function(time, status, labels) {
  # survdiff's chi-square for every row of a label matrix (one call per permutation)
  labels <- as.matrix(labels)
  apply(labels, 1, function(g) survival::survdiff(survival::Surv(time, status) ~ g)$chisq)
}

harness_censboot_median <- function(time, status, R) {
  # boot::censboot of the Kaplan-Meier median, then boot.ci's percentile interval
  d <- data.frame(time = time, status = status)
  stat <- function(d) unname(quantile(survival::survfit(survival::Surv(time, status) ~ 1,
                                                        data = d), 0.5, conf.int = FALSE))
  b <- boot::censboot(d, stat, R = R, sim = "ordinary")
  ci <- boot::boot.ci(b, type = "perc")
  as.numeric(ci$percent[4:5])
}
