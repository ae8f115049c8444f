"""REST API ``/api/v1``: token authentication, one JSON error shape, pagination."""
