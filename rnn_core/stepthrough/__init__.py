"""How it works: every number of a tiny RNN's forward and backward pass, recorded, with its figures and command."""
