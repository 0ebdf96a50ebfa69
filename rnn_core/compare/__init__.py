"""Compare RNN, LSTM and GRU on long-dependency tasks: the grid of runs, the shipped grids and what they show,
their figures, exported script and command."""
