"""Tag a sentence: the generated sentences, the left-to-right and bidirectional taggers, figures, script and command."""
