"""The classic Apollo demo federation (accounts, products, reviews, inventory) in Strawberry."""
