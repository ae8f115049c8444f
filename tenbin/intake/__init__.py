"""Real-time lead intake: one call creates or updates the lead, its company and its response, and
answers with the ICP fit, the win likelihood and the routing decision."""
