#!/usr/bin/env bash
# Regenerates the ready-made checkpoints that ship with RNN Lab, with the project's own command line.
# Every run has a fixed step budget (--seconds 0 --max-steps N), so the same seed gives the same model on the
# same kind of machine (CPU, torch 2.13). About fifteen minutes on one free CPU core. Each checkpoint
# keeps the samples drawn along its training (metrics["samples"]: [{"step": ..., "text": ...}, ...]). Run from the repository root:
#     bash rnn_core/language_model/pretrained/build.sh
set -euo pipefail
cd "$(dirname "$0")/../../.."
OUT="${OUT:-rnn_core/language_model/pretrained}"   # OUT=/tmp/x builds elsewhere (then copy the files in)
mkdir -p "$OUT"
export RNN_LAB_TORCH_THREADS="${RNN_LAB_TORCH_THREADS:-1}"

# Character level, the same text and size for the three cells (the connectivity comparison needs all three).
python -m rnn_core train-lm --text python-docs --level char --cell lstm --preset quick --hidden 128 \
    --seconds 0 --max-steps 1200 --seed 0 --save "$OUT/char-lstm-python-docs.pt" | tail -n 1
python -m rnn_core train-lm --text python-docs --level char --cell gru --preset quick --hidden 128 \
    --seconds 0 --max-steps 1200 --seed 0 --save "$OUT/char-gru-python-docs.pt" | tail -n 1
python -m rnn_core train-lm --text python-docs --level char --cell rnn --preset quick --hidden 128 \
    --seconds 0 --max-steps 1200 --seed 0 --save "$OUT/char-rnn-python-docs.pt" | tail -n 1

# Word level: the 2,000 commonest words (the rest read as <unk>) keep the file under 2 MB.
python -m rnn_core train-lm --text python-docs --level word --cell lstm --preset quick --hidden 128 \
    --max-vocab 2000 --seconds 0 --max-steps 600 --seed 0 --save "$OUT/word-lstm-python-docs.pt" | tail -n 1

# War and Peace, word level: the book is downloaded once (Project Gutenberg #2600, kept in $RNN_LAB_CACHE, by
# default ~/.cache/rnn-lab; offline, put the text there as war-and-peace.txt) and never shipped. The 3,000
# commonest words (8.5 % of the book reads as <unk>), 16-bit weights: under 2 MB. About 5 minutes on one free core.
python -m rnn_core train-lm --text war-and-peace --level word --cell lstm --preset better --hidden 192 \
    --max-vocab 3000 --seconds 0 --max-steps 3000 --patience 0 --seed 0 --half --save "$OUT/word-lstm-war-and-peace.pt" | tail -n 1
# ... what the book says after "Emperor of", counted on the same text (the page shows it beside the model)
python -m rnn_core.language_model.book --out "$OUT/war-and-peace-words.json" > /dev/null

# Home's previews of these models (gradients through time, samples along training) ship in rnn_core/tour/tour.json.
if [ "$OUT" = "rnn_core/language_model/pretrained" ]; then
    python -m rnn_core.tour.findings
fi
