# Recomputations from printed summaries for the audit checks (harness/checks/survival.py,
# harness/checks/summary.py). Every function is vectorised over the corners of the rounding
# box of the printed inputs and returns plain numbers.

harness_hr_midpoint <- function(lower, upper) {
  # the HR a CI symmetric on the log scale is centred on: exp of the mean of the log bounds
  exp((log(lower) + log(upper)) / 2)
}

harness_ci_upper <- function(hr, lower) {
  # the upper bound a log-symmetric CI with this HR and lower bound must have
  hr^2 / lower
}

harness_wald_p_from_ci <- function(hr, lower, upper, level) {
  # Altman & Bland (BMJ 2011): SE = (ln U - ln L) / (2 z), z = ln HR / SE
  zq <- stats::qnorm(1 - (1 - level) / 2)
  se <- (log(upper) - log(lower)) / (2 * zq)
  z <- log(hr) / se
  list(se = se, z = z, p = 2 * stats::pnorm(-abs(z)))
}

harness_mh_from_ci <- function(lower, upper, level) {
  # Prism's Mantel-Haenszel convention: ln HR = (O-E)/V, CI ln HR +/- z/sqrt(V); the centre
  # is the log midpoint of the CI. Log-rank chi-square (O-E)^2/V on 1 df.
  zq <- stats::qnorm(1 - (1 - level) / 2)
  mid <- (log(lower) + log(upper)) / 2
  v <- (zq / ((log(upper) - log(lower)) / 2))^2
  ome <- mid * v
  chisq <- ome^2 / v
  list(o_minus_e = ome, v = v, chisq = chisq,
       p = stats::pchisq(chisq, df = 1, lower.tail = FALSE))
}

harness_pooled_mean_sd <- function(n, means, sds) {
  # rows of `means`, `sds` are points of the rounding box, columns the groups; the total's
  # mean and SD from the exact decomposition of the total sum of squares
  means <- as.matrix(means); sds <- as.matrix(sds)
  N <- sum(n)
  m <- as.vector(means %*% n) / N
  within <- as.vector(sds^2 %*% (n - 1))
  between <- rowSums(sweep((means - m)^2, 2, n, `*`))
  list(mean = m, sd = sqrt((within + between) / (N - 1)))
}

