"""Portal accounts: people sign in with their e-mail address."""
