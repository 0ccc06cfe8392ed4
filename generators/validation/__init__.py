"""The validation report's parts: hard checks, statistical checks, plots and writing."""
