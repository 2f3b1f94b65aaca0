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
