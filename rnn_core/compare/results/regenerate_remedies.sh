#!/bin/sh
# Regenerates the remedies grid shown in "The remedies, side by side" on the Vanishing gradients page: nine
# remedies (tanh RNN reference, + clipping, + orthogonal W_hh, IRNN, IRNN + clipping at lr 0.002, ReLU alone, truncated BPTT at k = 20, LSTM,
# GRU) × seeds 0–4 on the adding problem at length 100, each measured for accuracy, MSE and its gradient ratio
# through time. Run from the repository root; one torch thread; progress goes to the log. The CSV is rewritten
# as each run finishes. About 12 minutes on a quiet 2-core machine (the time of each run is in the seconds column).
set -e
export RNN_LAB_TORCH_THREADS=1
LOGS="${TMPDIR:-/tmp}"
python -m rnn_core remedies --seeds 5 --length 100 --csv rnn_core/compare/results/remedies.csv 2> "$LOGS/rnn-lab-remedies.log" > "$LOGS/rnn-lab-remedies.json"
