"""Translate: the encoder-decoder trained on dates or reversed letters, with and without attention, the length
experiment and its shipped results, figures, scripts and command."""
