# R side of the differential fuzz suite (harness/fuzz): run as
#   Rscript fuzz.R INPUT OUTPUT harness/r/timefix.R
# INPUT: one data set per line, tab-separated: id, times (hex floats, comma-separated),
# status (0/1), group codes (or "-"), strata codes (or "-"), km times (hex), tau (hex),
# exact ("1" to fit ties = "exact" too), timefix ("0": timefix = FALSE in survfit, survdiff
# and coxph.control; "1" or absent: R's default TRUE).
# OUTPUT: lines "id<TAB>key<TAB>value", value a hex float (sprintf("%a")), NA, or for an
# error "ERR<TAB>message" on key "block:NAME"; warnings as "TXT<TAB>message".
# Keys and their meaning mirror harness/fuzz/pyside.py.
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
source(args[3])  # harness_survdiff: survdiff with a working timefix = FALSE
con <- file(args[2], "w")
hx <- function(x) ifelse(is.na(x), "NA", sprintf("%a", as.numeric(x)))
emit <- function(id, key, value) {
  if (length(value) == 0) return(invisible())
  writeLines(paste(id, key, hx(value), sep = "\t"), con)
}
txt <- function(id, key, msg) writeLines(paste(id, key, "TXT", gsub("[\t\n]", " ", msg), sep = "\t"), con)
nums <- function(s) if (s == "-") NULL else as.numeric(strsplit(s, ",", fixed = TRUE)[[1]])
block <- function(id, name, expr) {
  tryCatch(withCallingHandlers(expr, warning = function(w) {
    txt(id, paste0("warn:", name), conditionMessage(w)); invokeRestart("muffleWarning") }),
    error = function(e) writeLines(paste(id, paste0("block:", name), "ERR",
                                         gsub("[\t\n]", " ", conditionMessage(e)), sep = "\t"), con))
}
cox_block <- function(id, time, status, g, s, ties, tf) {
  ctl <- coxph.control(timefix = tf)
  fit <- if (is.null(s)) coxph(Surv(time, status) ~ g, ties = ties, control = ctl)
         else coxph(Surv(time, status) ~ g + strata(s), ties = ties, control = ctl)
  sm <- summary(fit)
  k <- paste0("cox_", ties, "|")
  cf <- coef(fit)
  for (j in seq_along(cf)) {
    emit(id, paste0(k, "coef|", j), cf[j])
    emit(id, paste0(k, "se|", j), sqrt(fit$var[j, j]))
  }
  emit(id, paste0(k, "loglik0"), fit$loglik[1])
  emit(id, paste0(k, "loglik1"), fit$loglik[2])
  emit(id, paste0(k, "score"), fit$score)
  emit(id, paste0(k, "wald"), fit$wald.test)
  emit(id, paste0(k, "lr"), sm$logtest[["test"]])
  emit(id, paste0(k, "lr_p"), sm$logtest[["pvalue"]])
  emit(id, paste0(k, "df"), sm$logtest[["df"]])
  emit(id, paste0(k, "iter"), fit$iter)
}
run_set <- function(f) {
  id <- f[1]
  time <- nums(f[2]); status <- nums(f[3]); grp <- nums(f[4]); st <- nums(f[5])
  kmt <- nums(f[6]); tau <- nums(f[7]); exact <- f[8] == "1"
  tf <- is.na(f[9]) || f[9] != "0"
  y <- Surv(time, status)
  emit(id, "timefix_merged", as.numeric(any(aeqSurv(y)[, 1] != time)))
  g <- if (is.null(grp)) factor(rep(0, length(time))) else factor(grp)
  s <- if (is.null(st)) NULL else factor(st)
  lv <- levels(g)
  for (ct in c("plain", "log", "log-log", "logit", "arcsin")) block(id, paste0("km_", ct), {
    fit <- survfit(y ~ g, conf.type = ct, timefix = tf)
    if (length(kmt)) {
      sm <- summary(fit, times = kmt, extend = TRUE)
      lab <- if (length(lv) > 1) sub("^g=", "", as.character(sm$strata)) else rep(lv, length(sm$time))
      idx <- match(sm$time, kmt)
      for (i in seq_along(sm$time)) {
        k <- paste0("km|", ct, "|", lab[i], "|", idx[i], "|")
        if (ct == "log") { emit(id, paste0(k, "surv"), sm$surv[i]); emit(id, paste0(k, "std.err"), sm$std.err[i]) }
        emit(id, paste0(k, "lower"), sm$lower[i]); emit(id, paste0(k, "upper"), sm$upper[i])
      }
    }
  })
  block(id, "quantile", {
    fit <- survfit(y ~ g, timefix = tf)
    q <- quantile(fit, probs = c(0.25, 0.5, 0.75), conf.int = TRUE)
    est <- matrix(q$quantile, nrow = length(lv)); lo <- matrix(q$lower, nrow = length(lv))
    hi <- matrix(q$upper, nrow = length(lv))
    for (i in seq_along(lv)) for (j in 1:3) {
      k <- paste0("quantile|", c("25", "50", "75")[j], "|", lv[i], "|")
      emit(id, paste0(k, "est"), est[i, j]); emit(id, paste0(k, "lower"), lo[i, j])
      emit(id, paste0(k, "upper"), hi[i, j])
    }
  })
  block(id, "rmst", {
    tab <- summary(survfit(y ~ g, timefix = tf), rmean = tau)$table
    if (is.null(dim(tab))) tab <- matrix(tab, nrow = 1, dimnames = list(NULL, names(tab)))
    for (i in seq_along(lv)) {
      emit(id, paste0("rmst|", lv[i], "|rmean"), tab[i, "rmean"])
      emit(id, paste0("rmst|", lv[i], "|se"), tab[i, "se(rmean)"])
    }
  })
  if (length(lv) < 2) return(invisible())
  for (rho in c(0, 1)) block(id, paste0("survdiff_rho", rho), {
    d <- if (is.null(s)) harness_survdiff(y ~ g, rho = rho, timefix = tf)
         else harness_survdiff(y ~ g + strata(s), rho = rho, timefix = tf)
    k <- paste0("survdiff|rho", rho, "|")
    emit(id, paste0(k, "chisq"), d$chisq); emit(id, paste0(k, "p"), d$pvalue)
  })
  if (length(lv) == 2 && is.null(s)) block(id, "hr", {
    d <- harness_survdiff(y ~ g, timefix = tf)
    emit(id, "hr|mantel-haenszel", exp((d$obs[2] - d$exp[2]) / d$var[2, 2]))
    emit(id, "hr|logrank", (d$obs[2] / d$exp[2]) / (d$obs[1] / d$exp[1]))
  })
  for (ties in c("efron", "breslow", if (exact) "exact")) block(id, paste0("cox_", ties),
    cox_block(id, time, status, g, s, ties, tf))
}
for (line in readLines(args[1])) {
  f <- strsplit(line, "\t", fixed = TRUE)[[1]]
  tryCatch(run_set(f), error = function(e) writeLines(paste(f[1], "block:set", "ERR",
    gsub("[\t\n]", " ", conditionMessage(e)), sep = "\t"), con))
}
close(con)
