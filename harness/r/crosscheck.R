# R side of `harness crosscheck`: every estimand R survival has, on the user's data, as a
# named numeric vector whose names match harness/crosscheck.py's keys
# ("estimand|variant|group"). Sourced by harness/r/bridge.py.
# The caller passes the level order (reference first: never R's locale collation), the text
# of each time in the keys (Python's shortest round-trip form), whether the exact-ties Cox
# fit is run (skipped above a documented size) and the "B vs A" label of HR and Cox rows.
# timefix as the caller asks (default TRUE, R's default; Python applies the same rule,
# harness/core/timefix.py): survfit(timefix =), coxph.control(timefix =), and for the
# log-rank family survdiff's own steps: aeqSurv when timefix, then survdiff.fit; the
# chi-square is survdiff's: (O-E)' V^- (O-E) without the first group.
harness_survdiff_exact_times <- function(time, status, g, rho, timefix = TRUE) {
  y <- Surv(time, status)
  if (timefix) y <- aeqSurv(y)
  f <- survival:::survdiff.fit(y, g, rho = rho)
  oe <- (f$observed - f$expected)[-1]
  list(chisq = drop(oe %*% solve(f$var[-1, -1, drop = FALSE], oe)),
       obs = f$observed, exp = f$expected, var = f$var)
}

harness_crosscheck <- function(time, status, group, times, tau, has_group,
                               levels, time_labels, tau_label, do_exact, pair,
                               timefix = TRUE) {
  out <- c()
  put <- function(key, value) out[[key]] <<- as.numeric(value)
  g <- if (has_group) factor(group, levels = levels) else factor(rep("all", length(time)))
  if (anyNA(g)) stop("group labels outside the levels passed by Python")
  lv <- levels(g)
  for (ct in c("plain", "log", "log-log", "logit", "arcsin")) {
    fit <- survfit(Surv(time, status) ~ g, conf.type = ct, timefix = timefix)
    s <- summary(fit, times = times, extend = TRUE)
    lab <- if (length(lv) > 1) sub("^g=", "", as.character(s$strata)) else rep(lv, length(s$time))
    for (i in seq_along(s$time)) {
      tt <- time_labels[match(s$time[i], times)]
      if (ct == "log") {
        put(paste0("km_survival(t=", tt, ")|-|", lab[i]), s$surv[i])
        put(paste0("km_std_err(t=", tt, ")|greenwood|", lab[i]), s$std.err[i])
      }
      put(paste0("km_lower(t=", tt, ")|", ct, "|", lab[i]), s$lower[i])
      put(paste0("km_upper(t=", tt, ")|", ct, "|", lab[i]), s$upper[i])
    }
  }
  fit <- survfit(Surv(time, status) ~ g, timefix = timefix)
  q <- quantile(fit, probs = 0.5, conf.int = TRUE)
  est <- as.numeric(q$quantile); lo <- as.numeric(q$lower); hi <- as.numeric(q$upper)
  for (i in seq_along(lv)) {
    put(paste0("median|R|", lv[i]), est[i])
    put(paste0("median_lower|R (log)|", lv[i]), lo[i])
    put(paste0("median_upper|R (log)|", lv[i]), hi[i])
  }
  tab <- summary(fit, rmean = tau)$table
  if (is.null(dim(tab))) tab <- matrix(tab, nrow = 1, dimnames = list(NULL, names(tab)))
  for (i in seq_along(lv)) {
    put(paste0("rmst(tau=", tau_label, ")|-|", lv[i]), tab[i, "rmean"])
    put(paste0("rmst_se(tau=", tau_label, ")|-|", lv[i]), tab[i, "se(rmean)"])
  }
  if (has_group && length(lv) >= 2) {
    for (rho in c(0, 1)) {
      d <- harness_survdiff_exact_times(time, status, g, rho, timefix)
      variant <- if (rho == 0) "log-rank (rho=0)" else "Peto & Peto (rho=1)"
      put(paste0("chisq|", variant, "|-"), d$chisq)
      put(paste0("p|", variant, "|-"),
          pchisq(d$chisq, length(lv) - 1, lower.tail = FALSE))
    }
    if (length(lv) == 2) {
      d <- harness_survdiff_exact_times(time, status, g, 0, timefix)
      put(paste0("hr|Mantel-Haenszel (Prism)|", pair), exp((d$obs[2] - d$exp[2]) / d$var[2, 2]))
      put(paste0("hr|logrank (O/E ratio)|", pair), (d$obs[2] / d$exp[2]) / (d$obs[1] / d$exp[1]))
      for (ties in if (do_exact) c("efron", "breslow", "exact") else c("efron", "breslow")) {
        f <- coxph(Surv(time, status) ~ g, ties = ties,
                   control = coxph.control(eps = 1e-12, iter.max = 50, timefix = timefix))
        s <- summary(f)
        put(paste0("cox_coef|", ties, "|", pair), coef(f)[1])
        put(paste0("cox_se|", ties, "|", pair), sqrt(f$var[1, 1]))
        put(paste0("cox_wald_p|", ties, "|", pair), s$waldtest[["pvalue"]])
        put(paste0("cox_lr_p|", ties, "|", pair), s$logtest[["pvalue"]])
        put(paste0("cox_score_p|", ties, "|", pair), s$sctest[["pvalue"]])
      }
    }
  }
  out
}
