"""Users, organizations, API keys and authentication."""
