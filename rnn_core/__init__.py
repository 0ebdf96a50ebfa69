"""RNN Lab's core: recurrent cells, models, data, training and figures, in plain PyTorch.

Nothing here imports streamlit; the pages in ``pages/`` only call into this package.
"""

from rnn_core.errors import RNNLabError

__all__ = ["RNNLabError"]
