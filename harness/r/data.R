# R side of data-backed cases (harness/audit/checks/data.py): each function recomputes one
# family of estimands from the rows a case uses, with R's survival / stats, and returns plain
# numbers (NA where R gives NA). Groups arrive as character labels; their level order is
# R's factor order (sorted), as in Python. Sourced by harness/r/bridge.py.
# `timefix` is the case's method.timefix (default TRUE, R's own default): survfit(timefix =),
# coxph.control(timefix =), and harness_survdiff (harness/r/timefix.R) for survdiff.

harness_data_km <- function(time, status, group, level, t, conf_type, conf_level,
                            timefix = TRUE) {
  # S(t) and its pointwise limits for one curve (level "" = all rows)
  keep <- if (nzchar(level)) group == level else rep(TRUE, length(time))
  fit <- survfit(Surv(time[keep], status[keep]) ~ 1, conf.type = conf_type,
                 conf.int = conf_level, timefix = timefix)
  s <- summary(fit, times = t, extend = TRUE)
  list(surv = s$surv, lower = s$lower, upper = s$upper, std_err = s$std.err,
       n_risk = s$n.risk)
}

harness_data_median <- function(time, status, group, level, conf_type, conf_level,
                                timefix = TRUE) {
  # quantile(fit, 0.5): R's median rule with limits from the pointwise band
  keep <- if (nzchar(level)) group == level else rep(TRUE, length(time))
  fit <- survfit(Surv(time[keep], status[keep]) ~ 1, conf.type = conf_type,
                 conf.int = conf_level, timefix = timefix)
  q <- quantile(fit, probs = 0.5, conf.int = TRUE)
  list(estimate = as.numeric(q$quantile), lower = as.numeric(q$lower),
       upper = as.numeric(q$upper))
}

harness_data_logrank <- function(time, status, group, strata, rho, timefix = TRUE) {
  # survdiff's G-rho test (rho = 0 log-rank, 1 Peto & Peto), stratified when strata given
  g <- factor(group)
  d <- if (length(strata)) {
    s <- factor(strata)
    harness_survdiff(Surv(time, status) ~ g + strata(s), rho = rho, timefix = timefix)
  } else harness_survdiff(Surv(time, status) ~ g, rho = rho, timefix = timefix)
  e <- if (is.matrix(d$exp)) rowSums(d$exp) else d$exp
  list(chisq = d$chisq, p = pchisq(d$chisq, length(levels(g)) - 1, lower.tail = FALSE),
       expected = unname(e))
}

harness_data_exp_lr <- function(time, status, group) {
  # SAS LIFETEST's likelihood-ratio test: exponential models with and without the group
  g <- factor(group)
  ctl <- survreg.control(rel.tolerance = 1e-13, iter.max = 100)
  f1 <- survreg(Surv(time, status) ~ g, dist = "exponential", control = ctl)
  f0 <- survreg(Surv(time, status) ~ 1, dist = "exponential", control = ctl)
  lr <- 2 * (f1$loglik[2] - f0$loglik[2])
  list(chisq = lr, p = pchisq(lr, nlevels(g) - 1, lower.tail = FALSE))
}

harness_data_hr <- function(time, status, x, method, ties, conf_level, timefix = TRUE) {
  # HR of x = 1 (numerator) vs x = 0 (reference): Prism's MH exp((O-E)/V), the logrank
  # ratio (O1/E1)/(O0/E0) with SE sqrt(1/E1 + 1/E0), or Cox
  z <- qnorm(1 - (1 - conf_level) / 2)
  if (method == "cox") {
    f <- coxph(Surv(time, status) ~ x, ties = ties,
               control = coxph.control(eps = 1e-12, iter.max = 50, timefix = timefix))
    b <- unname(coef(f)[1]); se <- sqrt(f$var[1, 1])
  } else {
    d <- harness_survdiff(Surv(time, status) ~ factor(x, levels = c(0, 1)), timefix = timefix)
    if (method == "mantel-haenszel") {
      b <- (d$obs[2] - d$exp[2]) / d$var[2, 2]; se <- 1 / sqrt(d$var[2, 2])
    } else {
      b <- log((d$obs[2] / d$exp[2]) / (d$obs[1] / d$exp[1]))
      se <- sqrt(1 / d$exp[2] + 1 / d$exp[1])
    }
  }
  list(hr = exp(b), lower = exp(b - z * se), upper = exp(b + z * se))
}

harness_data_cox <- function(time, status, x, strata, ties, term, timefix = TRUE) {
  # summary(coxph): coefficient of column `term` of x, and the three model tests
  x <- as.matrix(x)
  ctl <- coxph.control(eps = 1e-12, iter.max = 50, timefix = timefix)
  f <- if (length(strata)) {
    s <- factor(strata)
    coxph(Surv(time, status) ~ x + strata(s), ties = ties, control = ctl)
  } else coxph(Surv(time, status) ~ x, ties = ties, control = ctl)
  sm <- summary(f)
  list(coef = unname(coef(f)[term]), se = sqrt(f$var[term, term]),
       z = unname(sm$coefficients[term, "z"]),
       wald_p = unname(sm$coefficients[term, "Pr(>|z|)"]),
       wald_chisq = unname(sm$coefficients[term, "z"])^2,
       score = unname(sm$sctest[["test"]]), score_p = unname(sm$sctest[["pvalue"]]),
       lr = unname(sm$logtest[["test"]]), lr_p = unname(sm$logtest[["pvalue"]]))
}

harness_data_rmst <- function(time, status, group, tau, timefix = TRUE) {
  # summary(fit, rmean = tau)$table: RMST and its SE per group, in level order
  g <- factor(group)
  fit <- survfit(Surv(time, status) ~ g, timefix = timefix)
  tab <- summary(fit, rmean = tau)$table
  if (is.null(dim(tab))) tab <- matrix(tab, nrow = 1, dimnames = list(NULL, names(tab)))
  list(levels = levels(g), rmst = unname(tab[, "rmean"]), se = unname(tab[, "se(rmean)"]))
}

harness_data_baseline <- function(kind, x, group, test) {
  # baseline tests of a variable x by group, and mean / SD of x
  if (kind == "mean_sd") return(list(mean = mean(x), sd = sd(x)))
  g <- factor(group)
  if (kind == "contingency") {
    tab <- table(factor(x), g)
    p <- if (test == "fisher") fisher.test(tab)$p.value
         else suppressWarnings(chisq.test(tab, correct = test == "chisq_yates")$p.value)
    return(list(p = p))
  }
  if (kind == "anova")
    return(list(p = oneway.test(as.numeric(x) ~ g, var.equal = test == "pooled")$p.value))
  if (kind == "kruskal") return(list(p = kruskal.test(as.numeric(x), g)$p.value))
  a <- as.numeric(x[g == levels(g)[1]]); b <- as.numeric(x[g == levels(g)[2]])
  if (kind == "ttest") return(list(p = t.test(a, b, var.equal = test == "pooled")$p.value))
  exact <- if (test == "auto") NULL else test == "exact"
  list(p = suppressWarnings(wilcox.test(a, b, exact = exact, correct = TRUE)$p.value))
}

harness_data_hr_levels <- function(time, status, x, col, ties, conf_level, timefix = TRUE) {
  # HR of one level (column col of the indicator matrix x) vs the reference, from one Cox
  # model of every level: coxph(Surv(time, status) ~ relevel(factor(g), ref))
  z <- qnorm(1 - (1 - conf_level) / 2)
  f <- coxph(Surv(time, status) ~ x, ties = ties,
             control = coxph.control(eps = 1e-12, iter.max = 50, timefix = timefix))
  b <- unname(coef(f)[col]); se <- sqrt(f$var[col, col])
  list(hr = exp(b), lower = exp(b - z * se), upper = exp(b + z * se))
}
