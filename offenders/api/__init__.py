"""The REST API (DRF) under /api/v1/: views.py (scoped views with their
serializers), filters.py, auth.py (tokens and the permission policy), urls.py."""
