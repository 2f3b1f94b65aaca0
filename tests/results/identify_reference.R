# R reference values for tests/test_identify.py: statistics of R's lung data (groups: sex,
# 1 = male, 2 = female) under the conventions `harness identify` must tell apart.
# Run from the checkout: Rscript tests/results/identify_reference.R
# (prints key<TAB>value; the values are frozen in tests/test_identify.py as REFERENCE).
suppressMessages(library(survival))
args <- commandArgs(FALSE)
here <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", args, value = TRUE))))
source(file.path(here, "wlr.R"))   # weighted log-rank written as a loop (Gehan, Tarone-Ware)

d <- survival::lung
st <- as.integer(d$status == 2)
f <- Surv(time, status) ~ sex
out <- c(
  logrank_chisq_rho0 = survdiff(f, d)$chisq,
  logrank_chisq_rho1 = survdiff(f, d, rho = 1)$chisq,
  logrank_chisq_gehan = wlr(d$time, st, d$sex, function(n, S) n)$chisq,
  logrank_chisq_tarone = wlr(d$time, st, d$sex, function(n, S) sqrt(n))$chisq
)
male <- subset(d, sex == 1)
for (ct in c("log", "log-log", "plain")) {
  fit <- survfit(Surv(time, status) ~ 1, male, conf.type = ct)
  q <- quantile(fit, 0.5)
  s <- summary(fit, times = 11, extend = TRUE)
  out[paste0("median_lower_", ct)] <- q$lower
  out[paste0("median_upper_", ct)] <- q$upper
  out[paste0("km_lower_t11_", ct)] <- s$lower
}
for (ties in c("efron", "breslow", "exact")) {
  fit <- suppressWarnings(coxph(Surv(time, status) ~ I(sex == 2), d, ties = ties,
               control = coxph.control(eps = 1e-12, iter.max = 50)))  # as harness/r/data.R
  out[paste0("hr_", ties)] <- exp(coef(fit))
  out[paste0("hr_lower_", ties)] <- exp(confint(fit))[1]
  out[paste0("hr_upper_", ties)] <- exp(confint(fit))[2]
}
cat(sprintf("%s\t%.17g\n", names(out), out), sep = "")
