"""The Mateway app kit shared by the router and every subgraph (the guide's app_base)."""
