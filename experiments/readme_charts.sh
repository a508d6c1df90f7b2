#!/usr/bin/env bash
# Regenerates every chart the README shows (results/readme/*.png) from the shipped
# scenarios and experiments, after a change of the model or its defaults.
#   bash experiments/readme_charts.sh        (about three minutes on two cores)
set -euo pipefail
cd "$(dirname "$0")/.."
A=.venv/bin/adoptsim
OUT=results/readme
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

$A run scenarios/heavy_control.yaml --runs 50 --seed 1 --out "$WORK/heavy_control" >/dev/null
cp "$WORK/heavy_control/adoption.png" $OUT/heavy_control_adoption.png

$A compare scenarios/baseline.yaml scenarios/evangelists.yaml scenarios/senior_sponsor.yaml \
    scenarios/remove_alternatives.yaml scenarios/heavy_control.yaml --runs 50 --seed 1 \
    --out "$WORK/compare" >/dev/null
$A plot "$WORK/compare" >/dev/null
cp "$WORK/compare/charts/compare.png" $OUT/compare_active.png
cp "$WORK/compare/charts/differences.png" $OUT/compare_differences.png
cp "$WORK/compare/charts/cost.png" $OUT/compare_cost.png
$A plot "$WORK/compare/evangelists" --kind network --weeks 8,26,52 >/dev/null
cp "$WORK/compare/evangelists/charts/network.png" $OUT/network_evangelists.png

$A sweep experiments/evangelist_count.yaml --out "$WORK/evangelist_count" >/dev/null
$A analyze "$WORK/evangelist_count" --metric sustained_share >/dev/null
cp "$WORK/evangelist_count/analysis/sustained_share_by_evangelists.png" $OUT/sweep_evangelists.png

$A sweep experiments/sensitivity.yaml --out "$WORK/sensitivity" >/dev/null
$A analyze "$WORK/sensitivity" --metric sustained_share >/dev/null
cp "$WORK/sensitivity/analysis/sobol_sustained_share.png" $OUT/sweep_sobol.png

$A optimize experiments/best_plan.yaml --trials 300 --out "$WORK/best_plan" >/dev/null
cp "$WORK/best_plan/pareto.png" $OUT/optimize_pareto.png

.venv/bin/python experiments/backtest_series.py --series korean_family_planning >/dev/null  # writes results/readme/backtest.png

# the synthetic twin's first 12 weeks, calibrated then assimilated (docs/calibration.md)
awk -F, 'NR == 1 || $2 <= 12' scenarios/data/twin_activity.csv > "$WORK/twin_weeks_1_12.csv"
$A calibrate scenarios/twin.yaml --observed "$WORK/twin_weeks_1_12.csv" --seed 1 \
    --out "$WORK/twin_fit" >/dev/null 2>&1
$A forecast "$WORK/twin_fit/calibrated.yaml" --observed "$WORK/twin_weeks_1_12.csv" \
    --weeks 52 --runs 500 --seed 1 --out "$WORK/twin_assimilated" >/dev/null
cp "$WORK/twin_assimilated/forecast_by_week.png" $OUT/twin_forecast_by_week.png

$A validate --case bass --out "$WORK/validation" >/dev/null
cp "$WORK/validation/bass.png" $OUT/validation_bass.png
ls -l $OUT
