"""Users, roles and permissions, sign-in with a second factor, sessions and API tokens."""
