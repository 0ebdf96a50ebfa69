"""One module per command of ``python -m rnn_core``: each defines ``add_arguments(parser)`` and ``run(args)``."""
