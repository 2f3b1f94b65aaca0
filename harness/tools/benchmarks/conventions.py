"""Benchmarks of the log-rank family's software conventions: the max-combo test (Z, correlation
and the multivariate-normal p) against the same computation vectorised in R with
``mvtnorm::pmvnorm``."""

from __future__ import annotations

from harness.tools.bench import BenchResult, best_time, compare, register
from harness.tools.benchmarks.core import tied_data

#: the max-combo components and p written out in R, vectorised over the event times
R_MAXCOMBO = (
    "ut <- sort(unique(t[e == 1])); R <- outer(t, ut, '>='); D <- outer(t, ut, '==') & e == 1;"
    " n <- colSums(R); n1 <- colSums(R * (g == 1)); d <- colSums(D); d1 <- colSums(D * (g == 1));"
    " S <- c(1, head(cumprod(1 - d / n), -1));"
    " W <- sapply(list(c(0, 0), c(0, 1), c(1, 0), c(1, 1)), function(p) S^p[1] * (1 - S)^p[2]);"
    " U <- colSums(W * (d1 - d * n1 / n));"
    " v <- ifelse(n > 1, d * (n - d) / (n - 1), 0) * n1 / n * (1 - n1 / n);"
    " C <- crossprod(W, W * v); z <- U / sqrt(diag(C)); h <- max(abs(z));"
    " 1 - mvtnorm::pmvnorm(-rep(h, 4), rep(h, 4), corr = cov2cor(C))"
)


@register("maxcombo")
def bench_maxcombo(quick: bool) -> list[BenchResult]:
    from harness.core.maxcombo import maxcombo
    from harness.r import bridge as rbridge

    n = 10**4 if quick else 10**5
    time, event, group = tied_data(n)
    ours = best_time(lambda: maxcombo(time, event, group), repeat=3)
    base = {}
    if rbridge.probe().ok:
        base["R risk table + pmvnorm via bridge"] = best_time(
            lambda: rbridge.evaluate(R_MAXCOMBO, t=time, e=event, g=group), repeat=3)
    return compare(f"max-combo FH(0,0),(0,1),(1,0),(1,1), 2 groups, n={n:.0e}", ours, base,
                   note="p: 10 x 2^16 Sobol points (ours), pmvnorm's default (R)")
