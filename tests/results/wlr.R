# The weighted log-rank test written out as a loop over event times: the reference for the
# weights survdiff does not offer (tests/test_logrank.py, tests/results/make_reference.R).
# wfun(n, S): the weight at an event time from the number at risk n and the pooled
# Kaplan-Meier S just before it.
wlr <- function(time, status, group, wfun) {
  g <- factor(group); k <- nlevels(g); gi <- as.integer(g)
  O <- E <- numeric(k); V <- matrix(0, k, k); S <- 1
  for (t in sort(unique(time[status == 1]))) {
    risk <- time >= t; dead <- time == t & status == 1
    n <- sum(risk); d <- sum(dead)
    nj <- tabulate(gi[risk], k); dj <- tabulate(gi[dead], k)
    w <- wfun(n, S)                      # S = pooled Kaplan-Meier just before t
    O <- O + w * dj; E <- E + w * d * nj / n
    if (n > 1) V <- V + w^2 * d * (n - d) / (n - 1) * (diag(nj / n, k) - outer(nj / n, nj / n))
    S <- S * (1 - d / n)
  }
  u <- (O - E)[-1]
  list(obs = O, exp = E, var = V, chisq = sum(solve(V[-1, -1, drop = FALSE], u) * u))
}
