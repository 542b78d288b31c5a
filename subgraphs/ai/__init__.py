"""The ai subgraph: AI replies, LLM providers and their configuration."""
