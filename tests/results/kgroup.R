# Frozen R values for harness/core/kgroup_tests.py (one-way ANOVA, Kruskal-Wallis).
#
#   Rscript tests/results/kgroup.R [OUTDIR]      (OUTDIR defaults to this folder)
#
# writes OUTDIR/kgroup.tsv ("key<TAB>value", %.17g) and OUTDIR/kgroup/kgroup_<name>.csv (the
# rows of R's data sets used: PlantGrowth, InsectSprays, chickwts, and airquality's Ozone by
# Month without missing values). tests/test_kgroup.py compares Python to kgroup.tsv without
# R, and (marker r) re-runs this script and fails when the committed files are stale.
options(digits = 17)
args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("^--file=", "", args[grep("^--file=", args)])))
trail <- commandArgs(trailingOnly = TRUE)
outdir <- if (length(trail) >= 1) trail[1] else here
dir.create(file.path(outdir, "kgroup"), recursive = TRUE, showWarnings = FALSE)
aq <- subset(airquality, !is.na(Ozone))
sets <- list(
  PlantGrowth = data.frame(x = PlantGrowth$weight, g = as.character(PlantGrowth$group)),
  InsectSprays = data.frame(x = InsectSprays$count, g = as.character(InsectSprays$spray)),
  chickwts = data.frame(x = chickwts$weight, g = as.character(chickwts$feed)),
  airquality = data.frame(x = aq$Ozone, g = paste0("m", aq$Month))
)
lines <- character()
put <- function(key, x) lines[[length(lines) + 1]] <<- paste(c(key, sprintf("%.17g", x)),
                                                                collapse = "\t")
for (name in names(sets)) {
  d <- sets[[name]]
  write.csv(d, file.path(outdir, "kgroup", paste0("kgroup_", name, ".csv")), row.names = FALSE)
  put(paste0(name, "/anova_pooled_p"), oneway.test(x ~ g, d, var.equal = TRUE)$p.value)
  put(paste0(name, "/anova_pooled_f"), oneway.test(x ~ g, d, var.equal = TRUE)$statistic)
  put(paste0(name, "/anova_welch_p"), oneway.test(x ~ g, d)$p.value)
  put(paste0(name, "/anova_welch_f"), oneway.test(x ~ g, d)$statistic)
  put(paste0(name, "/anova_welch_df2"), oneway.test(x ~ g, d)$parameter[2])
  put(paste0(name, "/kruskal_stat"), kruskal.test(d$x, factor(d$g))$statistic)
  put(paste0(name, "/kruskal_p"), kruskal.test(d$x, factor(d$g))$p.value)
}
writeLines(lines, file.path(outdir, "kgroup.tsv"))
