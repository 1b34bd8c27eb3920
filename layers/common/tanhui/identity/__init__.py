"""Identity: Cognito users, consent, profiles and tokens."""
