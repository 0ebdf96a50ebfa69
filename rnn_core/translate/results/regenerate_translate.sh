#!/bin/sh
# Regenerates the Translate page's precomputed results (run from the repository root; about 15 minutes on 2 quiet
# cores). Every run is seeded and evaluated at fixed steps, so a run's numbers do not depend on which other runs
# share its command: each command below runs the model with attention (on) and the one without (off) side by
# side, one torch thread each, and the halves are merged.
#  - translate_reverse*.csv: the bottleneck chart, reversing 5 to 30 letters, 3 seeds, the page's budget (600
#    steps, stopping once 98% of a validation set is reversed);
#  - translate_dates*.csv: the date translator with the page's defaults (800 steps), seeds 0-2.
set -e
export RNN_LAB_TORCH_THREADS=1
OUT=rnn_core/translate/results
TMP="${TMPDIR:-/tmp}"
merge() {   # merge <task> <sort keys>: the on and off halves into $OUT/translate_<task>.csv and its curves
  python -c "
import pandas as pd, sys
tmp, out, task, keys = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(',')
for name in ('', '_curves'):
    frame = pd.concat([pd.read_csv(f'{tmp}/translate_{task}_{m}{name}.csv') for m in ('on', 'off')])
    frame = frame.sort_values(keys + (['step'] if name else []))
    frame.to_csv(f'{out}/translate_{task}{name}.csv', index=False, float_format='%.5g')
" "$TMP" "$OUT" "$1" "$2"
}
for model in on off; do
  nice -n 10 python -m rnn_core translate --task reverse --attention $model --lengths 5,10,15,20,30 --seeds 3 \
    --seconds 0 --csv "$TMP/translate_reverse_$model.csv" --curves-csv "$TMP/translate_reverse_${model}_curves.csv" \
    > /dev/null 2> "$TMP/rnn-lab-translate-reverse-$model.log" &
done
wait
merge reverse length,seed,model
for model in on off; do
  nice -n 10 python -m rnn_core translate --task dates --attention $model --seeds 3 --seconds 0 \
    --csv "$TMP/translate_dates_$model.csv" --curves-csv "$TMP/translate_dates_${model}_curves.csv" \
    > /dev/null 2> "$TMP/rnn-lab-translate-dates-$model.log" &
done
wait
merge dates model,seed
