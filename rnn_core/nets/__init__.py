"""The networks every subject builds on: the equation cells, torch's fused RNN/LSTM/GRU, the encoder-decoder."""
