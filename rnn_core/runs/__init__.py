"""Running a training: the loop and its events, background jobs, the run cache shared between visitors, the
session's trained models."""
