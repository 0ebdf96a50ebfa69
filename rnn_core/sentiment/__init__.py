"""Sentiment: the classifier, its sentences (synthetic, UCI or a CSV), the probe of one sentence, figures and command."""
