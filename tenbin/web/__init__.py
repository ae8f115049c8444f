"""The web application: FastAPI app factory, pages (Jinja2 + htmx), static assets, i18n."""
