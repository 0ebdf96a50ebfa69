"""Train a language model and generate from it: the model, its training presets, generation, interpretation,
checkpoints and the ready-made models, their figures, exported scripts and commands (train-lm, generate)."""
