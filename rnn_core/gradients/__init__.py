"""Vanishing and exploding gradients: measured through time on a chosen cell, and watched while a network trains;
their figures and command."""
