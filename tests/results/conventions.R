# Reference implementations, written out as loops over event times, for the weighted log-rank
# tests and statistics that R's survival package does not offer (tests/test_weight_conventions.py,
# tests/results/make_conventions.R). Sourced by both; nothing here is harness code.

# Weighted k-sample log-rank test, optionally stratified (O, E, V summed over strata).
# wfun(n, d, S, St, Sstar): the weight at an event time from the pooled number at risk n, the
# events d, the pooled Kaplan-Meier S just before t, Peto's survival St = prod_{t_j <= t}
# (1 - d_j / (n_j + 1)) at t (events at t included), and Sstar = the pooled Kaplan-Meier at
# tstar (summary(survfit(...), times = tstar)), all within the stratum.
wlr2 <- function(time, status, group, strata = NULL, wfun, tstar = NA) {
  g <- factor(group); k <- nlevels(g); gi <- as.integer(g)
  if (is.null(strata)) strata <- rep(1, length(time))
  O <- E <- numeric(k); V <- matrix(0, k, k)
  for (s in unique(strata)) {
    in_s <- strata == s
    Sstar <- if (is.na(tstar)) NA else
      summary(survfit(Surv(time[in_s], status[in_s]) ~ 1), times = tstar, extend = TRUE)$surv
    S <- 1; St <- 1
    for (t in sort(unique(time[in_s & status == 1]))) {
      risk <- in_s & time >= t; dead <- in_s & time == t & status == 1
      n <- sum(risk); d <- sum(dead)
      nj <- tabulate(gi[risk], k); dj <- tabulate(gi[dead], k)
      St <- St * (1 - d / (n + 1))
      w <- wfun(n, d, S, St, Sstar)
      O <- O + w * dj; E <- E + w * d * nj / n
      if (n > 1) V <- V + w^2 * d * (n - d) / (n - 1) * (diag(nj / n, k) - outer(nj / n, nj / n))
      S <- S * (1 - d / n)
    }
  }
  keep <- E > 0
  u <- (O - E)[keep][-1]
  chisq <- if (sum(keep) < 2) 0 else sum(solve(V[keep, keep][-1, -1, drop = FALSE], u) * u)
  list(obs = O, exp = E, var = V, chisq = chisq)
}

# Max-combo: Fleming-Harrington components rg (a list of c(rho, gamma)), two groups, second
# level against the first, U and its covariance summed over strata; p from mvtnorm::pmvnorm.
maxcombo_r <- function(time, status, group, strata = NULL,
                       rg = list(c(0, 0), c(0, 1), c(1, 0), c(1, 1)), seed = 1,
                       abseps = 1e-6) {
  g <- factor(group); stopifnot(nlevels(g) == 2); x <- as.integer(g == levels(g)[2])
  if (is.null(strata)) strata <- rep(1, length(time))
  K <- length(rg); U <- numeric(K); C <- matrix(0, K, K)
  for (s in unique(strata)) {
    in_s <- strata == s; S <- 1
    for (t in sort(unique(time[in_s & status == 1]))) {
      risk <- in_s & time >= t; dead <- in_s & time == t & status == 1
      n <- sum(risk); d <- sum(dead); n1 <- sum(x[risk]); d1 <- sum(x[dead])
      w <- vapply(rg, function(p) S^p[1] * (1 - S)^p[2], 0)
      U <- U + w * (d1 - d * n1 / n)
      if (n > 1) C <- C + outer(w, w) * d * (n - d) / (n - 1) * (n1 / n) * (1 - n1 / n)
      S <- S * (1 - d / n)
    }
  }
  z <- U / sqrt(diag(C)); zmax <- max(abs(z))
  if (!all(is.finite(z)))  # a component without variance: no correlation, no p here
    return(list(u = U, cov = C, z = z, corr = NA, zmax = NA, p = NA, p_error = NA))
  corr <- cov2cor(C)
  set.seed(seed)
  inside <- mvtnorm::pmvnorm(lower = rep(-zmax, K), upper = rep(zmax, K), corr = corr,
                             algorithm = mvtnorm::GenzBretz(maxpts = 1e7, abseps = abseps,
                                                            releps = 0))
  list(u = U, cov = C, z = z, corr = corr, zmax = zmax, p = 1 - as.numeric(inside),
       p_error = attr(inside, "error"))
}

# SAS LIFETEST's likelihood-ratio test under exponential models: twice the log-likelihood
# difference of survreg(dist = "exponential") with and without the group (no strata).
exp_lr_r <- function(time, status, group) {
  g <- factor(group)
  ctl <- survreg.control(rel.tolerance = 1e-13, iter.max = 100)
  f1 <- survreg(Surv(time, status) ~ g, dist = "exponential", control = ctl)
  f0 <- survreg(Surv(time, status) ~ 1, dist = "exponential", control = ctl)
  lr <- 2 * (f1$loglik[2] - f0$loglik[2])
  c(chisq = lr, df = nlevels(g) - 1, p = pchisq(lr, nlevels(g) - 1, lower.tail = FALSE))
}
