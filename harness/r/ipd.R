# R side of harness/ipd/recompute.py: every statistic of a comparison recomputed from a pseudo-IPD set
# with R survival. Keys match harness.ipd.recompute.recompute. Sourced by harness/r/bridge.py.

harness_ipd_gbw_p <- function(time, status, g) {
  # Gehan-Breslow-Wilcoxon (Prism's name): weighted log-rank with weight n_t (number at
  # risk), hypergeometric variance; k-sample chi-square on k - 1 df (first group dropped).
  lv <- levels(g); k <- length(lv)
  ut <- sort(unique(time[status == 1]))
  U <- numeric(k); V <- matrix(0, k, k)
  for (tt in ut) {
    risk <- time >= tt
    n <- sum(risk); d <- sum(time == tt & status == 1)
    nj <- vapply(lv, function(l) sum(risk & g == l), numeric(1))
    dj <- vapply(lv, function(l) sum(time == tt & status == 1 & g == l), numeric(1))
    w <- n
    p <- nj / n
    U <- U + w * (dj - d * p)
    cc <- if (n > 1) d * (n - d) / (n - 1) else 0
    V <- V + w^2 * cc * (diag(p, k) - outer(p, p))
  }
  keep <- 2:k
  chisq <- as.numeric(t(U[keep]) %*% solve(V[keep, keep, drop = FALSE], U[keep]))
  stats::pchisq(chisq, k - 1, lower.tail = FALSE)
}

harness_ipd_stats <- function(time, status, group, levels, numerator, times) {
  out <- list()
  k <- length(levels)
  g <- factor(group, levels = levels)
  if (k > 1) {
    fit <- survfit(Surv(time, status) ~ g)
    q <- quantile(fit, probs = 0.5, conf.int = FALSE)
    for (i in seq_len(k)) out[[paste0("median[", levels[i], "]")]] <- as.numeric(q[i])
  } else {
    fit <- survfit(Surv(time, status) ~ 1)
    out[[paste0("median[", levels[1], "]")]] <- as.numeric(quantile(fit, 0.5, conf.int = FALSE))
  }
  if (length(times) > 0) {
    s <- summary(fit, times = times, extend = TRUE)
    lab <- if (k > 1) sub("^g=", "", as.character(s$strata)) else rep(NA, length(s$time))
    for (i in seq_along(s$time)) {
      key <- if (k > 1) paste0("rate[", lab[i], "]@", format(s$time[i]))
             else paste0("rate@", format(s$time[i]))
      out[[key]] <- 100 * s$surv[i]
    }
    pooled <- summary(survfit(Surv(time, status) ~ 1), times = times, extend = TRUE)
    for (i in seq_along(pooled$time)) {
      tt <- pooled$time[i]
      out[[paste0("pooled_rate@", format(tt))]] <- 100 * pooled$surv[i]
      # a printed whole-cohort rate targeted by a comparison of groups
      if (k > 1) out[[paste0("rate@", format(tt))]] <- 100 * pooled$surv[i]
      out[[paste0("pct_time_gt@", format(tt))]] <- 100 * sum(time > tt) / length(time)
      out[[paste0("count_censored_gt@", format(tt))]] <- sum(status == 0 & time > tt)
    }
  }
  if (k > 1) {
    sd0 <- survdiff(Surv(time, status) ~ g)
    out$p <- stats::pchisq(sd0$chisq, k - 1, lower.tail = FALSE)
    sd1 <- survdiff(Surv(time, status) ~ g, rho = 1)
    out$p_peto <- stats::pchisq(sd1$chisq, k - 1, lower.tail = FALSE)
    out$gbw_p <- harness_ipd_gbw_p(time, status, g)
  }
  if (k == 2 && nchar(numerator) > 0) {
    i <- match(numerator, levels); j <- 3 - i
    z <- stats::qnorm(0.975)
    ome <- sd0$obs[i] - sd0$exp[i]; v <- sd0$var[i, i]
    lhr <- ome / v
    out$hr <- exp(lhr)
    out$ci_lower <- exp(lhr - z / sqrt(v))
    out$ci_upper <- exp(lhr + z / sqrt(v))
    out$o_minus_e <- ome
    out$v <- v
    out$hr_logrank <- (sd0$obs[i] / sd0$exp[i]) / (sd0$obs[j] / sd0$exp[j])
    x <- as.numeric(group == numerator)
    cf <- coxph(Surv(time, status) ~ x, ties = "efron",
                control = coxph.control(eps = 1e-12, iter.max = 50))
    out$hr_cox <- exp(unname(coef(cf)[1]))
    out$cox_p <- summary(cf)$coefficients[1, "Pr(>|z|)"]
  }
  lapply(out, as.numeric)
}
