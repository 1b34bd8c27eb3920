"""PynamoDB models of the single table."""
