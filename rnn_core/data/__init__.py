"""Data more than one subject reads: text and its tokens, the built-in corpora, the synthetic memory tasks."""
