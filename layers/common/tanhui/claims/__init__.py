"""Claims: a tourist's scan turned into a credit, exactly once."""
