"""The web UI: server-rendered pages over the same models and access policy as the REST API."""
