#!/bin/sh
# Regenerates the Translate page's precomputed results (run from the repository root; about 25 minutes on 2 quiet
# cores). Every run is seeded and evaluated at fixed steps, so a run's numbers do not depend on which other runs
# share its command: each part below runs two commands side by side, one torch thread each, and merges them.
#  - translate_reverse*.csv: the bottleneck chart at equal budgets, reversing 5 to 30 letters, seeds 0-4, the
#    page's budget (600 steps, stopping once 98% of a validation set is reversed);
#  - translate_budget*.csv: what more steps buy, both models at 15 letters, seeds 0-4, five times the page's
#    budget (3,000 steps, stopping once solved), evaluated every 50 steps (about 10 minutes on 2 quiet cores);
#  - translate_dates*.csv: the date translator with the page's defaults (800 steps), seeds 0-4.
# Seeds 3 and 4 of the reverse and dates parts were added later (--seed 3 --seeds 2, merged in the same way) on a
# loaded machine: their seconds and steps_per_second read slower; exact match, loss and steps do not depend on it.
# Give part names to regenerate only those: sh regenerate_translate.sh budget
set -e
export RNN_LAB_TORCH_THREADS=1
OUT=rnn_core/translate/results
TMP="${TMPDIR:-/tmp}"
PARTS="${*:-reverse budget dates}"
merge() {   # merge <task> <sort keys> <halves>: the halves into $OUT/translate_<task>.csv and its curves
  python -c "
import pandas as pd, sys
tmp, out, task, keys, halves = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(','), sys.argv[5].split(',')
for name in ('', '_curves'):
    frame = pd.concat([pd.read_csv(f'{tmp}/translate_{task}_{m}{name}.csv') for m in halves])
    frame = frame.sort_values(keys + (['step'] if name else []))
    frame.to_csv(f'{out}/translate_{task}{name}.csv', index=False, float_format='%.5g')
" "$TMP" "$OUT" "$1" "$2" "$3"
}
half() {   # half <task> <name> <arguments...>: one command of a part, in the background
  task=$1 name=$2
  shift 2
  nice -n 10 python -m rnn_core translate --task "$task" --seconds 0 "$@" --csv "$TMP/translate_${PART}_$name.csv" \
    --curves-csv "$TMP/translate_${PART}_${name}_curves.csv" > /dev/null 2> "$TMP/rnn-lab-translate-$PART-$name.log" &
}
for PART in $PARTS; do
  case $PART in
    reverse)
      half reverse on --attention on --lengths 5,10,15,20,30 --seeds 5
      half reverse off --attention off --lengths 5,10,15,20,30 --seeds 5
      wait
      merge reverse length,seed,model on,off ;;
    budget)
      half reverse on --attention on --lengths 15 --seeds 5 --max-steps 3000
      half reverse off --attention off --lengths 15 --seeds 5 --max-steps 3000
      wait
      merge budget length,seed,model on,off ;;
    dates)
      half dates on --attention on --seeds 5
      half dates off --attention off --seeds 5
      wait
      merge dates model,seed on,off ;;
    *) echo "unknown part $PART (reverse, budget, dates)" >&2; exit 1 ;;
  esac
done
