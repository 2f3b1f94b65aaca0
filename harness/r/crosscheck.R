# R side of `harness crosscheck`: every estimand R survival has, on the user's data, as a
# named numeric vector whose names match harness/crosscheck.py's keys
# ("estimand|variant|group"). Sourced by harness/r/bridge.py.
# The caller passes the groups as integer codes 1..k into `levels` (reference first: never R's
# locale collation; codes, not 10^6 strings, cross the bridge), the text
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

# R collects garbage when its heap thresholds say so, which lets the garbage of one n-sized
# step (survfit's model frame, a summary's copy) pile up under the next: at 10^6 rows that
# was +0.5 GB of resident memory. Between the steps it is collected at once (a few ms each).
harness_collect <- function() invisible(gc(verbose = FALSE))

harness_crosscheck <- function(time, status, group, times, tau, has_group,
                               levels, time_labels, tau_label, do_exact, pair,
                               timefix = TRUE) {
  out <- harness_crosscheck_values(time, status, group, times, tau, has_group, levels,
                                   time_labels, tau_label, do_exact, pair, timefix)
  # the fits of 10^6 rows (~0.5 GB) are garbage once the values are out: give the memory back
  # now, before Python goes on (lifelines), rather than at R's next collection
  harness_collect()
  out
}

harness_crosscheck_values <- function(time, status, group, times, tau, has_group,
                                      levels, time_labels, tau_label, do_exact, pair,
                                      timefix) {
  out <- c()
  put <- function(key, value) out[[key]] <<- as.numeric(value)
  codes <- if (has_group) as.integer(group) else rep(1L, length(time))
  if (anyNA(codes) || any(codes < 1L | codes > length(levels)))
    stop("group codes outside the levels passed by Python")
  g <- structure(codes, levels = as.character(levels), class = "factor")
  lv <- levels(g)
  # one survfit (conf.type = "log", R's default); each other conf.type gets its limits from
  # survfit_confint called exactly as survfitKM calls it (conf.lower = "usual": selow = the
  # standard errors), so the object equals survfit(..., conf.type = ct) to the last bit
  # (checked with identical() on lung, ties and all-censored data) at a fifth of the cost.
  fit <- survfit(Surv(time, status) ~ g, timefix = timefix)
  harness_collect()
  for (ct in c("plain", "log", "log-log", "logit", "arcsin")) {
    fit_ct <- fit
    if (ct != "log") {
      ci <- survival:::survfit_confint(fit$surv, fit$std.err, logse = fit$logse,
                                       conf.type = ct, conf.int = fit$conf.int,
                                       selow = fit$std.err)
      fit_ct$lower <- ci$lower
      fit_ct$upper <- ci$upper
      fit_ct$conf.type <- ct
    }
    s <- summary(fit_ct, times = times, extend = TRUE)
    harness_collect()
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
  rm(fit, fit_ct, s)  # n-sized: not kept alive while the Cox fits run (peak memory)
  harness_collect()
  # no events: no test, HR or Cox model exists (Python says so on those rows)
  if (has_group && length(lv) >= 2 && any(status != 0)) {
    d0 <- harness_survdiff_exact_times(time, status, g, 0, timefix)
    for (rho in c(0, 1)) {
      d <- if (rho == 0) d0 else harness_survdiff_exact_times(time, status, g, rho, timefix)
      variant <- if (rho == 0) "log-rank (rho=0)" else "Peto & Peto (rho=1)"
      put(paste0("chisq|", variant, "|-"), d$chisq)
      put(paste0("p|", variant, "|-"),
          pchisq(d$chisq, length(lv) - 1, lower.tail = FALSE))
    }
    if (length(lv) == 2) {
      d <- d0
      put(paste0("hr|Mantel-Haenszel (Prism)|", pair), exp((d$obs[2] - d$exp[2]) / d$var[2, 2]))
      put(paste0("hr|logrank (O/E ratio)|", pair), (d$obs[2] / d$exp[2]) / (d$obs[1] / d$exp[1]))
      for (ties in if (do_exact) c("efron", "breslow", "exact") else c("efron", "breslow")) {
        f <- s <- NULL  # the previous fit (~150 MB at 10^6 rows) is not held during this one
        f <- coxph(Surv(time, status) ~ g, ties = ties,
                   control = coxph.control(eps = 1e-12, iter.max = 50, timefix = timefix))
        s <- summary(f)
        harness_collect()
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
