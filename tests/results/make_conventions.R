# Frozen R reference values for the software conventions the core adds beyond survival's
# defaults (SAS LIFETEST's Peto-Peto / modified Peto-Peto and likelihood-ratio tests, the
# modestly weighted log-rank test, the max-combo test), read by tests/test_weight_conventions.py.
#
#   Rscript tests/results/make_conventions.R [OUTDIR]      (OUTDIR defaults to this folder)
#
# writes OUTDIR/conventions.tsv in the format of reference.tsv (tests/frozen.py): one vector
# per line, "key<TAB>value...", numbers as sprintf("%.17g"). The data sets are R's own, the
# rows frozen in data/*.csv by make_reference.R. tests/test_weight_conventions.py re-runs this
# script (marker r) and fails when the committed file is stale.
options(digits = 17)
suppressPackageStartupMessages({
  library(survival)
  library(coin)
  library(mvtnorm)
})
args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("^--file=", "", args[grep("^--file=", args)])))
trail <- commandArgs(trailingOnly = TRUE)
outdir <- if (length(trail) >= 1) trail[1] else here
source(file.path(here, "conventions.R"))

lines <- character()
put <- function(key, x) {
  x <- unname(as.vector(x))
  v <- if (is.character(x)) x else sprintf("%.17g", as.double(x))
  lines[[length(lines) + 1]] <<- paste(c(key, v), collapse = "\t")
}
putlist <- function(prefix, l) for (n in names(l)) put(paste0(prefix, "/", n), l[[n]])

colon2 <- subset(survival::colon, etype == 2)
lung2 <- subset(survival::lung, !is.na(inst))
# (time, status 0/1, group, strata or NULL, t*) per case
CASES <- list(
  lung_sex = with(survival::lung, list(time, status - 1, sex, NULL, 365)),
  veteran_celltype = with(survival::veteran, list(time, status, celltype, NULL, 100)),
  aml_x = with(survival::aml, list(time, status, x, NULL, 20)),
  colon_rx = with(colon2, list(time, status, rx, NULL, 1000)),
  `lung_sex|inst` = with(lung2, list(time, status - 1, sex, inst, 365)),
  `veteran_trt|celltype` = with(survival::veteran, list(time, status, trt, celltype, 100))
)
# the weights, as functions of (n, d, S(t-), Peto's S~(t), S(t*))
W <- list(`peto-peto` = function(n, d, S, St, Ss) St,
          `modified-peto` = function(n, d, S, St, Ss) St * n / (n + 1),
          `mw-s0.5` = function(n, d, S, St, Ss) 1 / max(S, 0.5),
          `mw-t` = function(n, d, S, St, Ss) 1 / max(S, Ss),
          `fh-1-1` = function(n, d, S, St, Ss) S * (1 - S),
          `fh-0-1` = function(n, d, S, St, Ss) 1 - S,
          peto = function(n, d, S, St, Ss) S)
for (key in names(CASES)) {
  x <- CASES[[key]]
  for (wn in names(W)) {
    res <- wlr2(x[[1]], x[[2]], as.character(x[[3]]), x[[4]], W[[wn]], tstar = x[[5]])
    putlist(paste0("wlr2/", key, "/", wn), res)
  }
}
# survdiff's rho = 1 on the same cases: the loop's "peto" reproduces it (sanity of the loop)
put("survdiff/lung_sex|inst/1",
    survdiff(Surv(time, status) ~ sex + strata(inst), data = lung2, rho = 1)$chisq)

# coin: its weights beside SAS's (centered linear statistic, variance, standardised z)
COIN <- list(`Prentice-Marek` = "Prentice-Marek", Prentice = "Prentice",
             ABGK = "Andersen-Borgan-Gill-Keiding", `Peto-Peto` = "Peto-Peto")
for (cn in names(COIN)) {
  lt <- logrank_test(Surv(time, status == 2) ~ factor(sex), data = survival::lung,
                     type = COIN[[cn]])
  put(paste0("coin/lung_sex/", cn), c(statistic(lt, "centered"), variance(lt), statistic(lt)))
}
# coin with a custom weight: the modestly weighted test, s* = 0.5 (weights at all distinct
# times, from coin's own risk-set counts)
mw_weight <- function(time, n.risk, n.event) {
  S <- cumprod(1 - n.event / n.risk)
  1 / pmax(c(1, S[-length(S)]), 0.5)
}
it <- independence_test(
  Surv(time, status == 2) ~ factor(sex), data = survival::lung,
  ytrafo = function(data) trafo(data, surv_trafo = function(y) logrank_trafo(y, weight = mw_weight)))
put("coin/lung_sex/mw-s0.5", c(statistic(it, "centered"), variance(it), statistic(it)))

# max-combo (two groups)
MC <- c("lung_sex", "aml_x", "lung_sex|inst", "veteran_trt|celltype")
for (key in MC) {
  x <- CASES[[key]]
  putlist(paste0("maxcombo/", key), maxcombo_r(x[[1]], x[[2]], x[[3]], x[[4]]))
}
x <- CASES[["lung_sex"]]
putlist("maxcombo/lung_sex_fh3",
        maxcombo_r(x[[1]], x[[2]], x[[3]], NULL, rg = list(c(0, 0), c(1, 0), c(0, 1))))

# SAS's exponential likelihood-ratio test, from survreg
for (key in c("lung_sex", "veteran_celltype", "aml_x", "colon_rx")) {
  x <- CASES[[key]]
  put(paste0("exp_lr/", key), exp_lr_r(x[[1]], x[[2]], x[[3]]))
}

# degenerate data (issue 12, section 4): every two-row data set (one row per group) with
# times (1, 2), (2, 1) or (1, 1) and each pattern of events: survdiff's chi-square and p (or
# its error message) and coxph's coef, se, Wald, score, LR and LR p (or NA for no events)
g2 <- c("a", "b")
for (tt in list(c(1, 2), c(2, 1), c(1, 1))) for (ee in list(c(0, 0), c(0, 1), c(1, 0), c(1, 1))) {
  key <- paste0("degenerate/two_point/", paste(tt, collapse = ""), "_", paste(ee, collapse = ""))
  sd <- tryCatch({s <- suppressWarnings(survdiff(Surv(tt, ee) ~ g2)); c(s$chisq, s$pvalue)},
                 error = function(e) conditionMessage(e))
  put(paste0(key, "/survdiff"), sd)
  f <- suppressWarnings(coxph(Surv(tt, ee) ~ I(g2 == "b")))
  s <- suppressWarnings(summary(f))
  put(paste0(key, "/coxph"), c(coef(f), sqrt(f$var), f$wald.test, f$score, s$logtest[c(1, 3)]))
}
# singular information at the start: x2 differs from x1 only on a row censored before the
# first event, so within every risk set of an event x2 = x1 (R: x2 NA, variance 0)
t8 <- c(0.5, 1:7); e8 <- c(0, 1, 1, 0, 1, 1, 0, 1); x1 <- c(1, 0, 1, 0, 1, 1, 0, 1)
x2 <- replace(x1, 1, 5)
for (ties in c("efron", "breslow", "exact")) {
  f <- suppressWarnings(coxph(Surv(t8, e8) ~ x1 + x2, ties = ties,
                              control = coxph.control(eps = 1e-12)))
  s <- summary(f)
  putlist(paste0("degenerate/singular_start/", ties),
          list(coef = coef(f), var = f$var, lr = s$logtest, wald = f$wald.test,
               score = s$sctest))
}

put("meta/R", R.version.string)
writeLines(lines, file.path(outdir, "conventions.tsv"))
