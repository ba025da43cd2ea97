"""Background work the server does for a user (AI, imports): its state and progress, readable over the API."""
