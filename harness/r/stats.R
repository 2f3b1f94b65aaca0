# Tests recomputed from printed summaries. Sourced by harness/r/bridge.py into a private
# environment; every function returns plain numbers.

harness_fisher_p <- function(counts) {
  # counts: a matrix (groups in columns); two-sided, R's default hybrid = FALSE
  stats::fisher.test(as.matrix(counts))$p.value
}

harness_chisq_p <- function(counts, correct) {
  # Pearson chi-square; correct = TRUE applies Yates' correction (2 x 2 tables only, as R)
  suppressWarnings(stats::chisq.test(as.matrix(counts), correct = correct)$p.value)
}

harness_t_from_summaries <- function(m1, s1, n1, m2, s2, n2, welch) {
  # vectorised over the summaries (used for the corners of their rounding box)
  # Two-sample t test from means, SDs and sizes, as t.test(x, y, var.equal = !welch)
  if (welch) {
    v1 <- s1^2 / n1; v2 <- s2^2 / n2
    se <- sqrt(v1 + v2)
    df <- (v1 + v2)^2 / (v1^2 / (n1 - 1) + v2^2 / (n2 - 1))
  } else {
    sp2 <- ((n1 - 1) * s1^2 + (n2 - 1) * s2^2) / (n1 + n2 - 2)
    se <- sqrt(sp2 * (1 / n1 + 1 / n2))
    df <- n1 + n2 - 2
  }
  t <- (m1 - m2) / se
  list(t = t, df = df, p = 2 * stats::pt(-abs(t), df))
}

harness_anova_from_summaries <- function(means, sds, ns, welch) {
  # One-way ANOVA from group means, SDs and sizes, one row of means/sds per evaluation,
  # as oneway.test(x ~ g, var.equal = !welch) on data with these summaries
  means <- matrix(means, ncol = length(ns)); sds <- matrix(sds, ncol = length(ns))
  k <- length(ns)
  p <- apply(cbind(means, sds), 1, function(row) {
    m <- row[1:k]; s <- row[(k + 1):(2 * k)]
    if (welch) {
      w <- ns / s^2; mw <- sum(w * m) / sum(w)
      lam <- sum((1 - w / sum(w))^2 / (ns - 1))
      f <- sum(w * (m - mw)^2) / (k - 1) / (1 + 2 * (k - 2) * lam / (k^2 - 1))
      stats::pf(f, k - 1, (k^2 - 1) / (3 * lam), lower.tail = FALSE)
    } else {
      grand <- sum(ns * m) / sum(ns)
      f <- (sum(ns * (m - grand)^2) / (k - 1)) / (sum((ns - 1) * s^2) / (sum(ns) - k))
      stats::pf(f, k - 1, sum(ns) - k, lower.tail = FALSE)
    }
  })
  list(p = p)
}
