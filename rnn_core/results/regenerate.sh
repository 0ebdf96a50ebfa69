#!/bin/sh
# Regenerates the precomputed comparison grids shown by the "Compare RNN, LSTM and GRU" page.
# Run from the repository root. Each python line is exactly the command that wrote the shipped CSVs
# (also listed in rnn_core/results/__init__.py, which the page shows). The two grids are independent, so they
# run side by side, one torch thread each (13 minutes on a 2-core machine); progress goes to the two logs.
set -e
export RNN_LAB_TORCH_THREADS=1
python -m rnn_core compare --task adding --lengths 10,25,50,100,200 --cells rnn,lstm,gru --seeds 3 --csv rnn_core/results/adding.csv --curves-csv rnn_core/results/adding_curves.csv 2> "${TMPDIR:-/tmp}/rnn-lab-adding.log" &
python -m rnn_core compare --task first-symbol --lengths 10,25,50,100,200 --cells rnn,lstm,gru --seeds 3 --csv rnn_core/results/first-symbol.csv --curves-csv rnn_core/results/first-symbol_curves.csv 2> "${TMPDIR:-/tmp}/rnn-lab-first-symbol.log" &
wait
