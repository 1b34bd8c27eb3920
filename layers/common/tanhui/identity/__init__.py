"""Identity: Cognito users, consent and profiles."""
