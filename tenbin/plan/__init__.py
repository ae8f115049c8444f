"""Campaign-mix planning: the next period's campaigns per type as an exact integer program."""
