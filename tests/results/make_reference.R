# Frozen R reference values for the core (harness/core), statsmodels style.
#
#   Rscript tests/results/make_reference.R [OUTDIR]     (OUTDIR defaults to this folder)
#
# writes OUTDIR/reference.tsv and OUTDIR/data/<name>.csv. Both are kept in git; the tests in
# tests/test_frozen_*.py compare the Python core to them WITHOUT R, and
# tests/test_frozen_stale.py (marker r) re-runs this script into a temporary folder and fails
# when the committed files differ from what it writes.
#
# reference.tsv: one vector per line, "key<TAB>value<TAB>value...", numbers as
# sprintf("%.17g") (round-trip exact; NA, NaN, Inf as R prints them), strings as they are.
# Keys are "<quantity>/<data set>/<variant>/<field>"; the R call that produced each group of
# keys is the code right here. data/<name>.csv: the rows and columns of R's data sets the
# tests use (colon: etype == 2 only), factors as their labels; factor level order is in
# reference.tsv under "levels/".
options(digits = 17)
suppressPackageStartupMessages({
  library(survival)
  library(coin)
})

args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("^--file=", "", args[grep("^--file=", args)])))
trail <- commandArgs(trailingOnly = TRUE)
outdir <- if (length(trail) >= 1) trail[1] else here
dir.create(file.path(outdir, "data"), recursive = TRUE, showWarnings = FALSE)
source(file.path(here, "wlr.R"))
# the harness's own R code for the maths of printed CIs and summary tests
for (f in c("audit.R", "stats.R")) source(file.path(here, "..", "..", "harness", "r", f))

lines <- character()
put <- function(key, x) {
  x <- unname(as.vector(x))
  v <- if (is.character(x)) x else sprintf("%.17g", as.double(x))
  lines[[length(lines) + 1]] <<- paste(c(key, v), collapse = "\t")
}
putlist <- function(prefix, l) for (n in names(l)) put(paste0(prefix, "/", n), l[[n]])

# ------------------------------------------------------------------------------ data sets
colon2 <- subset(survival::colon, etype == 2)
DATA <- list(
  lung = survival::lung[, c("time", "status", "sex", "inst", "age", "ph.ecog")],
  aml = survival::aml[, c("time", "status", "x")],
  ovarian = survival::ovarian[, c("futime", "fustat", "rx", "age")],
  veteran = survival::veteran[, c("time", "status", "trt", "celltype", "karno", "age")],
  colon = colon2[, c("time", "status", "rx", "sex", "age")],
  pbc = survival::pbc[, c("time", "status", "sex", "trt", "edema", "stage", "age", "bili",
                          "albumin")]
)
for (name in names(DATA)) {
  d <- DATA[[name]]
  for (v in names(d)) if (is.factor(d[[v]])) {
    put(paste0("levels/", name, "/", v), levels(d[[v]]))
    d[[v]] <- as.character(d[[v]])
  }
  for (v in names(d)) if (is.numeric(d[[v]]))  # all 17 digits (write.csv keeps 15)
    d[[v]] <- ifelse(is.na(d[[v]]), "NA", sprintf("%.17g", as.double(d[[v]])))
  write.csv(d, file.path(outdir, "data", paste0(name, ".csv")), row.names = FALSE,
            quote = FALSE)
}

# ------------------------------------------------------------------------------ Kaplan-Meier
# (tests/test_km.py: CASES, TIMES; tests/test_quantiles.py; tests/test_rmst.py: TAUS)
KM <- list(
  lung = list(Surv(time, status) ~ sex, survival::lung),
  aml = list(Surv(time, status) ~ x, survival::aml),
  ovarian = list(Surv(futime, fustat) ~ rx, survival::ovarian),
  veteran = list(Surv(time, status) ~ trt, survival::veteran),
  colon = list(Surv(time, status) ~ as.character(rx), colon2),
  pbc = list(Surv(time, status == 2) ~ as.character(sex), survival::pbc)
)
TIMES <- list(lung = c(0, 30, 180, 365, 500, 730, 1000, 1100),
              aml = c(0, 5, 12, 36, 48, 60, 161, 200),
              ovarian = c(0, 100, 365, 500, 1000, 1200),
              veteran = c(1, 30, 90, 180, 365, 600, 999, 1000),
              colon = c(0, 365, 1095, 1826, 3000, 3400),
              pbc = c(0, 365, 1825, 3650, 4500, 4800))
TAUS <- list(lung = c(180, 365, 730, 1100), aml = c(12, 36, 48, 200),
             ovarian = c(365, 730, 1200), veteran = c(30, 180, 365),
             colon = c(365, 1826, 3000), pbc = c(1825, 3650, 4800))
CONF <- c("plain", "log", "log-log", "logit", "arcsin")

for (name in names(KM)) {
  f <- KM[[name]][[1]]; d <- KM[[name]][[2]]
  for (ct in CONF) {
    fit <- survfit(f, data = d, conf.type = ct)
    p <- paste0("km/", name, "/", ct)
    if (ct == "log") {
      putlist(paste0("km/", name), list(
        time = fit$time, n.risk = fit$n.risk, n.event = fit$n.event, n.censor = fit$n.censor,
        surv = fit$surv, std.err = fit$std.err, strata = fit$strata,
        se.surv = summary(fit, censored = TRUE)$std.err))
    }
    putlist(p, list(lower = fit$lower, upper = fit$upper))
    for (ext in c(FALSE, TRUE)) {
      s <- summary(fit, times = TIMES[[name]], extend = ext)
      putlist(paste0("at/", name, "/", ct, "/", ext), list(
        strata = as.character(s$strata), time = s$time, n.risk = s$n.risk,
        n.event = s$n.event, n.censor = s$n.censor, surv = s$surv, std.err = s$std.err,
        lower = s$lower, upper = s$upper))
    }
    q <- quantile(fit, probs = c(.1, .25, .5, .75, .9))
    putlist(paste0("quantile/", name, "/", ct), list(
      q = t(q$quantile), lower = t(q$lower), upper = t(q$upper)))
  }
  fit <- survfit(f, data = d)
  s <- summary(fit, times = c(0, 30))
  put(paste0("at0/", name), cbind(s$n.risk, s$n.event, s$surv, s$std.err, s$lower, s$upper))
  tb <- summary(fit)$table
  putlist(paste0("median/", name), list(m = tb[, "median"], l = tb[, "0.95LCL"],
                                        u = tb[, "0.95UCL"]))
  for (tau in TAUS[[name]]) {
    tb <- summary(fit, rmean = tau)$table
    putlist(paste0("rmst/", name, "/", tau), list(rmean = tb[, "rmean"],
                                                  se = tb[, "se(rmean)"]))
  }
  if (name %in% c("lung", "aml", "colon", "pbc")) {
    fit1 <- survfit(update(f, . ~ 1), data = d)
    putlist(paste0("km1/", name), list(time = fit1$time, surv = fit1$surv,
                                       lower = fit1$lower, upper = fit1$upper))
  }
}
tb <- summary(survfit(Surv(time, status) ~ sex, data = survival::lung), rmean = 365)$table
dd <- tb[2, "rmean"] - tb[1, "rmean"]; se <- sqrt(sum(tb[, "se(rmean)"]^2))
put("rmstdiff/lung/365", c(dd, se, dd + c(-1, 1) * qnorm(0.975) * se, 2 * pnorm(-abs(dd / se))))
# quantile() and print() differ when a curve ends flat at 0.5 (hand examples A and B)
for (ex in list(list("A", c(1, 2, 3, 4), c(1, 1, 0, 1)), list("B", c(1, 2, 3, 4), c(1, 1, 0, 0)))) {
  f <- survfit(Surv(ex[[2]], ex[[3]]) ~ 1)
  put(paste0("flatmedian/", ex[[1]]), c(quantile(f, 0.5)$quantile, summary(f)$table["median"]))
}

# ------------------------------------------------------------------------------ log-rank
# (tests/test_logrank.py: SURVDIFF_CASES, STRATIFIED_CASES, WEIGHT_CASES, COIN_TYPES, TREND_CASES)
SD <- list(lung_sex = quote(Surv(time, status) ~ sex),
           aml_x = quote(Surv(time, status) ~ x),
           ovarian_rx = quote(Surv(futime, fustat) ~ rx),
           veteran_celltype = quote(Surv(time, status) ~ celltype),
           colon_rx = quote(Surv(time, status) ~ rx),
           pbc_trt = quote(Surv(time, status == 2) ~ trt))
SDATA <- list(lung = survival::lung, aml = survival::aml, ovarian = survival::ovarian,
              veteran = survival::veteran, colon = colon2, pbc = survival::pbc)
survdiff_list <- function(fit) list(n = as.vector(fit$n), obs = fit$obs, exp = fit$exp,
                                    var = fit$var, chisq = fit$chisq, p = fit$pvalue)
for (key in names(SD)) {
  d <- SDATA[[sub("_.*", "", key)]]
  for (rho in c(0, 1, 0.5)) {
    fit <- survdiff(eval(SD[[key]]), data = d, rho = rho)
    putlist(paste0("survdiff/", key, "/", rho), survdiff_list(fit))
  }
}
ST <- list(lung_sex_inst = list(quote(Surv(time, status) ~ sex + strata(inst)), "lung"),
           veteran_trt_celltype = list(quote(Surv(time, status) ~ trt + strata(celltype)),
                                       "veteran"),
           colon_rx_sex = list(quote(Surv(time, status) ~ rx + strata(sex)), "colon"),
           pbc_trt_edema = list(quote(Surv(time, status == 2) ~ trt + strata(edema)), "pbc"))
for (key in names(ST)) {
  for (rho in c(0, 1)) {
    fit <- survdiff(eval(ST[[key]][[1]]), data = SDATA[[ST[[key]][[2]]]], rho = rho)
    putlist(paste0("survdiff_strata/", key, "/", rho),
            c(survdiff_list(fit), list(strata = names(fit$strata))))
  }
}
WEIGHTS <- list(`gehan-breslow` = function(n, S) n,
                `tarone-ware` = function(n, S) sqrt(n),
                `fh-1-1` = function(n, S) S * (1 - S),
                `fh-0-1` = function(n, S) 1 - S,
                `fh-0.5-2` = function(n, S) S^0.5 * (1 - S)^2,
                `peto` = function(n, S) S,
                `logrank` = function(n, S) 1)
WDATA <- list(lung_sex = with(survival::lung, list(time, status - 1, sex)),
              veteran_celltype = with(survival::veteran, list(time, status, celltype)),
              aml_x = with(survival::aml, list(time, status, x)),
              colon_rx = with(colon2, list(time, status, rx)))
for (key in names(WDATA)) {
  w <- WDATA[[key]]
  for (wn in names(WEIGHTS)) {
    res <- wlr(w[[1]], w[[2]], as.character(w[[3]]), WEIGHTS[[wn]])
    putlist(paste0("wlr/", key, "/", wn), res)
  }
}
COIN <- list(logrank = list(type = "logrank"), `gehan-breslow` = list(type = "Gehan-Breslow"),
             `tarone-ware` = list(type = "Tarone-Ware"), peto = list(type = "Peto-Peto"),
             `fh-1-1` = list(type = "Fleming-Harrington", rho = 1, gamma = 1),
             `fh-0-1` = list(type = "Fleming-Harrington", rho = 0, gamma = 1))
for (cn in names(COIN)) {
  lt <- do.call(coin::logrank_test, c(list(Surv(time, status == 2) ~ factor(sex),
                                           data = survival::lung), COIN[[cn]]))
  put(paste0("coin/lung_sex/", cn),
      c(statistic(lt, "centered"), variance(lt), statistic(lt)))
}
TREND <- list(pbc_stage = list(quote(Surv(time, status == 2) ~ stage), "pbc", c(1, 2, 3, 4)),
              pbc_edema = list(quote(Surv(time, status == 2) ~ edema), "pbc", c(0, 0.5, 1)),
              veteran_celltype = list(quote(Surv(time, status) ~ celltype), "veteran",
                                      c(1, 2, 4, 8)))
for (key in names(TREND)) {
  fit <- survdiff(eval(TREND[[key]][[1]]), data = SDATA[[TREND[[key]][[2]]]])
  w <- TREND[[key]][[3]]
  u <- sum(w * (fit$obs - fit$exp)); v <- drop(t(w) %*% fit$var %*% w)
  put(paste0("trend/", key), c(u, v, u^2 / v, pchisq(u^2 / v, 1, lower.tail = FALSE)))
}

# ------------------------------------------------------------------------------ hazard ratios
# (tests/test_hazard.py) hand example: A events 1, 2, 4, censored 5; B events 2, 3, 6, 7
hand <- data.frame(time = c(1, 2, 4, 5, 2, 3, 6, 7), status = c(1, 1, 1, 0, 1, 1, 1, 1),
                   group = rep(c("A", "B"), each = 4))
fit <- survdiff(Surv(time, status) ~ group, data = hand)
putlist("hazard/hand", list(obs = fit$obs, exp = fit$exp, var = fit$var))
one_step <- function(f, d) suppressWarnings(coef(coxph(f, data = d, ties = "breslow",
                                                       control = coxph.control(iter.max = 1))))
put("hazard/onestep/ovarian", one_step(Surv(futime, fustat) ~ I(rx == 2), survival::ovarian))
put("hazard/onestep/lung", one_step(Surv(time, status) ~ I(sex == 2), survival::lung))
# the maths of printed CIs (harness/r/audit.R, the R side of harness/core/printed_ci.py)
PRINTED <- list(c(0.59, 0.42, 0.83), c(1.91, 0.75, 4.87), c(0.7, 0.5, 0.98),
                c(2.5, 1.1, 5.6), c(0.33, 0.12, 0.91))
for (i in seq_along(PRINTED)) {
  x <- PRINTED[[i]]
  for (level in c(0.95, 0.9)) {
    p <- paste0("printed_ci/", i, "/", level)
    putlist(paste0(p, "/mh"), harness_mh_from_ci(x[2], x[3], level))
    putlist(paste0(p, "/wald"), harness_wald_p_from_ci(x[1], x[2], x[3], level))
  }
  put(paste0("printed_ci/", i, "/midpoint"), harness_hr_midpoint(x[2], x[3]))
  put(paste0("printed_ci/", i, "/upper"), harness_ci_upper(x[1], x[2]))
}

# ------------------------------------------------------------------------------ summary tests
# (tests/test_summary_tests.py: TABLES, the t-test data)
TABLES <- list(rbind(c(22, 11), c(22, 9)), rbind(c(4, 2), c(13, 3), c(18, 15)),
               rbind(c(2, 9), c(37, 10)), rbind(c(3, 0), c(0, 3)),
               rbind(c(1, 2, 3), c(4, 0, 2), c(0, 5, 1)), rbind(c(10, 12), c(11, 13)))
for (i in seq_along(TABLES)) {
  put(paste0("fisher/", i), fisher.test(TABLES[[i]])$p.value)
  for (correct in c(FALSE, TRUE))
    put(paste0("chisq/", i, "/", correct),
        suppressWarnings(chisq.test(TABLES[[i]], correct = correct)$p.value))
}
x <- c(4.1, 5.3, 6.2, 5.9, 4.8, 7.0); y <- c(6.6, 7.9, 8.1, 5.7, 9.4)
for (welch in c(FALSE, TRUE)) {
  tt <- t.test(x, y, var.equal = !welch)
  put(paste0("ttest/", welch), c(tt$statistic, tt$parameter, tt$p.value))
}

# ------------------------------------------------------------------------------ Cox
# (tests/test_cox.py: CASES, a subset; colon left out to keep the exact likelihood quick)
COX <- list(`lung_age+sex+ph.ecog` = list(Surv(time, status) ~ age + sex + ph.ecog, "lung"),
            lung_sex = list(Surv(time, status) ~ sex, "lung"),
            `veteran_trt+karno|celltype` = list(Surv(time, status) ~ trt + karno +
                                                  strata(celltype), "veteran"),
            `ovarian_rx+age` = list(Surv(futime, fustat) ~ rx + age, "ovarian"),
            aml_nonmaint = list(Surv(time, status) ~ I(x == "Nonmaintained"), "aml"),
            `pbc_trt|edema` = list(Surv(time, status == 2) ~ trt + strata(edema), "pbc"))
for (key in names(COX)) {
  for (ties in c("efron", "breslow", "exact")) {
    fit <- coxph(COX[[key]][[1]], data = SDATA[[COX[[key]][[2]]]], ties = ties,
                 control = coxph.control(eps = 1e-12, iter.max = 50))
    s <- summary(fit)
    putlist(paste0("cox/", key, "/", ties), list(
      coef = coef(fit), se = sqrt(diag(vcov(fit))), loglik = fit$loglik,
      wald = fit$wald.test, score = s$sctest, lr = s$logtest, ci = t(s$conf.int[, 3:4]),
      n = fit$n, nevent = fit$nevent))
  }
}

# ------------------------------------------------------------------------------ timefix
# R's timefix (aeqSurv) on hand-made nearly equal times, on and off (tests/test_timefix.py).
# Distinct times have mean ~2.4, so the relative test ties gaps <= ~3.6e-8: 0.1 + 0.2 vs 0.3,
# 1 vs 1 + 1e-12, 2 vs 2 (1 + 5e-9) and the chain 3, 3 + 3e-8, 3 + 6e-8 are merged (each to
# its smallest value), 1 + 1e-7 is not. survdiff(timefix = FALSE) runs through
# harness/r/timefix.R (survival 3.5-3's own survdiff cannot: see there).
source(file.path(here, "..", "..", "harness", "r", "timefix.R"))
TF <- data.frame(
  time = c(0.3, 0.1 + 0.2, 1, 1 + 1e-12, 1 + 1e-7, 2, 2 * (1 + 5e-9), 3, 3 + 3e-8, 3 + 6e-8,
           4, 4.5, 5, 6, 0.3, 1),
  status = c(1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1),
  g = c(0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 1),
  s = c(1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2))
put("timefix/hand/input", TF$time)
put("timefix/hand/status", TF$status)
put("timefix/hand/g", TF$g)
put("timefix/hand/s", TF$s)
put("timefix/hand/aeq", aeqSurv(Surv(TF$time, TF$status))[, 1])
for (tf in c(TRUE, FALSE)) {
  on <- if (tf) "on" else "off"
  fit <- survfit(Surv(time, status) ~ g, data = TF, timefix = tf)
  putlist(paste0("timefix/km/", on), list(time = fit$time, n.risk = fit$n.risk,
          n.event = fit$n.event, surv = fit$surv, std.err = fit$std.err, lower = fit$lower,
          upper = fit$upper, strata = fit$strata))
  for (rho in c(0, 1)) {
    d <- harness_survdiff(Surv(time, status) ~ g, TF, rho = rho, timefix = tf)
    putlist(paste0("timefix/survdiff/", on, "/rho", rho),
            list(obs = d$obs, exp = d$exp, var = d$var, chisq = d$chisq))
  }
  d <- harness_survdiff(Surv(time, status) ~ g + strata(s), TF, timefix = tf)
  putlist(paste0("timefix/survdiff/", on, "/strata"), list(obs = rowSums(d$obs),
          exp = rowSums(d$exp), chisq = d$chisq))
  for (ties in c("efron", "breslow", "exact")) {
    f <- coxph(Surv(time, status) ~ g, data = TF, ties = ties,
               control = coxph.control(eps = 1e-12, iter.max = 50, timefix = tf))
    putlist(paste0("timefix/cox/", on, "/", ties), list(coef = coef(f), se = sqrt(f$var[1, 1]),
            loglik = f$loglik, score = f$score))
  }
}

put("meta/R", R.version.string)
put("meta/survival", as.character(packageVersion("survival")))
writeLines(lines, file.path(outdir, "reference.tsv"))
