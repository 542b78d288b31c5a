"""Extra subgraphs for differential tests: interfaces and unions across subgraphs."""
