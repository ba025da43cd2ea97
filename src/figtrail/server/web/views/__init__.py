"""The web UI's pages, one module per area of the product."""
