# R's timefix switch for survdiff (sourced by harness/r/bridge.py; also sourced by
# harness/tools/fuzz/fuzz.R and tests/results/make_reference.R, which run without the bridge).
# survfit(..., timefix = ) and coxph.control(timefix = ) take the flag directly. survdiff has
# `timefix = TRUE` since survival 2.42 but in survival 3.5-3 survdiff(..., timefix = FALSE)
# stops with "variable lengths differ (found for '(timefix)')": it removes `rho` from the
# model.frame call (m$rho <- NULL) but not `timefix`. harness_survdiff runs survdiff itself
# with that one missing line added (m$timefix <- NULL); with timefix = TRUE it is survdiff.
harness_survdiff <- function(formula, data = NULL, rho = 0, timefix = TRUE) {
  if (!is.logical(timefix) || length(timefix) != 1 || is.na(timefix))
    stop("invalid value for timefix option")
  if (is.null(data)) data <- environment(formula)
  if (timefix) return(survival::survdiff(formula, data = data, rho = rho))
  f <- survival::survdiff
  b <- as.list(body(f))
  at <- which(vapply(b, function(e) identical(e, quote(m$rho <- NULL)), logical(1)))
  if (length(at) != 1) stop("harness_survdiff: survdiff's body has changed; check timefix")
  body(f) <- as.call(append(b, quote(m$timefix <- NULL), after = at))
  f(formula, data = data, rho = rho, timefix = FALSE)
}
