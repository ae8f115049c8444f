"""Workspace settings: funnel stages, the offer ladder, channels and their orientation (量/質),
balance targets, teams and members. Web, API and CLI use :mod:`tenbin.workspace.service`."""
