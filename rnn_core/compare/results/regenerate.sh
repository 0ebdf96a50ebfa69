#!/bin/sh
# Regenerates the precomputed comparison grids shown by the "Compare RNN, LSTM and GRU" page.
# Run from the repository root. Each python line is exactly the command that wrote the shipped CSVs
# (also listed in rnn_core/compare/shipped.py, which the page shows). The grids are independent; two run side
# by side, one torch thread each; progress goes to one log per grid. On a 2-core machine with nothing else
# running, adding and first symbol took 13 minutes together; temporal order and reverse about as long again.
# Every run is seeded and evaluated at fixed steps, so a run's numbers do not depend on which other cells or
# lengths share its grid: the first-symbol grid's lstm-bias0 rows were made by the same line with
# --cells lstm-bias0 (its other rows with --cells rnn,lstm,gru), the reverse grid's length 3 with --lengths 3, the adding grid in two parts (--seeds 2, then
# --first-seed 2 --seeds 1), each merged in; they are what the full line gives. Seeds 3 and 4 of every grid were
# added later the same way (--first-seed 3 --seeds 2, on a machine loaded by other work, so their seconds and
# ms_per_step columns read slower than the first three seeds'; accuracies and steps do not depend on the load).
set -e
export RNN_LAB_TORCH_THREADS=1
LOGS="${TMPDIR:-/tmp}"
python -m rnn_core compare --task adding --lengths 10,25,50,100,200 --cells rnn,lstm,gru --seeds 5 --csv rnn_core/compare/results/adding.csv --curves-csv rnn_core/compare/results/adding_curves.csv 2> "$LOGS/rnn-lab-adding.log" &
python -m rnn_core compare --task first-symbol --lengths 10,25,50,100,200 --cells rnn,lstm,gru,lstm-bias0 --seeds 5 --csv rnn_core/compare/results/first-symbol.csv --curves-csv rnn_core/compare/results/first-symbol_curves.csv 2> "$LOGS/rnn-lab-first-symbol.log" &
wait
python -m rnn_core compare --task temporal-order --lengths 10,20,30,40,50 --cells rnn,lstm,gru --seeds 5 --csv rnn_core/compare/results/temporal-order.csv --curves-csv rnn_core/compare/results/temporal-order_curves.csv 2> "$LOGS/rnn-lab-temporal-order.log" &
python -m rnn_core compare --task reverse --lengths 3,5,10,15 --cells rnn,lstm,gru --seeds 5 --csv rnn_core/compare/results/reverse.csv --curves-csv rnn_core/compare/results/reverse_curves.csv 2> "$LOGS/rnn-lab-reverse.log" &
wait
# Was or were (agreement, added with issue 23): 6 to 10 minutes on one thread of a busy 2-core machine.
python -m rnn_core compare --task agreement --lengths 5,10,20,40,80 --cells rnn,lstm,gru --seeds 5 --csv rnn_core/compare/results/agreement.csv --curves-csv rnn_core/compare/results/agreement_curves.csv 2> "$LOGS/rnn-lab-agreement.log"
