"""The figtrail server: a Django project that speaks the GoFigr REST API."""
