# Re-analysis of simulated trials in R (harness.simulate; tests/test_simulate_r.py).
# Sourced by harness/r/bridge.py into a private environment.

harness_sim_reanalyse <- function(time, status, group, tau) {
  # One two-arm trial (group 0 = control, 1 = experimental): every statistic harness.simulate
  # computes, from survival's own functions where it has one, otherwise from survfit's
  # pooled risk table and the weighted log-rank formula written out here.
  S <- survival::Surv(time, status)
  lr <- survival::survdiff(S ~ group, rho = 0)
  pe <- survival::survdiff(S ~ group, rho = 1)
  fit <- survival::survfit(S ~ 1)
  keep <- fit$n.event > 0
  tt <- fit$time[keep]
  n <- fit$n.risk[keep]
  d <- fit$n.event[keep]
  sl <- c(1, head(fit$surv, -1))[keep]           # pooled KM S(t-)
  n1 <- vapply(tt, function(u) sum(time[group == 1] >= u), 0)
  d1 <- vapply(tt, function(u) sum(status[group == 1 & time == u]), 0)
  p1 <- n1 / n
  cc <- ifelse(n > 1, d * (n - d) / (n - 1), 0)
  wtest <- function(w) {
    u <- sum(w * (d1 - d * p1))
    v <- sum(w^2 * cc * p1 * (1 - p1))
    c(u = u, v = v, chisq = u^2 / v)
  }
  fh <- function(r, g) sl^r * (1 - sl)^g
  W <- cbind(fh(0, 1), fh(1, 0), fh(0, 0), fh(1, 1))  # max-combo components, harness order
  U <- colSums(W * (d1 - d * p1))
  V <- t(W) %*% (W * (cc * p1 * (1 - p1)))
  z <- U / sqrt(diag(V))
  corr <- V / sqrt(diag(V) %o% diag(V))
  zmax <- max(abs(z))
  set.seed(1)
  pmc <- 1 - as.numeric(mvtnorm::pmvnorm(lower = rep(-zmax, 4), upper = rep(zmax, 4),
                                         corr = corr,
                                         algorithm = mvtnorm::GenzBretz(abseps = 1e-6)))
  o1 <- lr$obs[2]; e1 <- lr$exp[2]; o0 <- lr$obs[1]; e0 <- lr$exp[1]
  cox <- survival::coxph(S ~ group, ties = "efron",
                         control = survival::coxph.control(eps = 1e-12, iter.max = 50))
  km <- survival::survfit(S ~ group)
  tab <- summary(km, rmean = tau)$table
  med <- quantile(survival::survfit(survival::Surv(time[group == 0], status[group == 0]) ~ 1),
                  0.5, conf.int = FALSE)
  list(
    logrank = lr$chisq, peto = pe$chisq,
    gbw = wtest(n)[["chisq"]], tarone_ware = wtest(sqrt(n))[["chisq"]],
    fh01 = wtest(fh(0, 1))[["chisq"]], fh11 = wtest(fh(1, 1))[["chisq"]],
    maxcombo_z = zmax, maxcombo_p = pmc,
    log_hr_mh = (o1 - e1) / lr$var[2, 2], se_mh = 1 / sqrt(lr$var[2, 2]),
    log_hr_logrank = log((o1 / e1) / (o0 / e0)), se_logrank = sqrt(1 / e1 + 1 / e0),
    log_hr_cox = unname(coef(cox)), se_cox = sqrt(cox$var[1, 1]),
    rmst_diff = tab[2, "rmean"] - tab[1, "rmean"],
    rmst_se = sqrt(tab[1, "se(rmean)"]^2 + tab[2, "se(rmean)"]^2),
    median_control = unname(med)
  )
}

harness_sim_r_loop <- function(time, status, group) {
  # The R baseline of the simulation benchmark: one trial per row of time/status, analysed
  # by survdiff (rho = 0 and 1) and coxph (efron); returns the elapsed seconds, timed in R.
  time <- as.matrix(time); status <- as.matrix(status)
  t0 <- proc.time()[["elapsed"]]
  for (i in seq_len(nrow(time))) {
    S <- survival::Surv(time[i, ], status[i, ])
    survival::survdiff(S ~ group, rho = 0)
    survival::survdiff(S ~ group, rho = 1)
    survival::coxph(S ~ group, ties = "efron")
  }
  proc.time()[["elapsed"]] - t0
}
