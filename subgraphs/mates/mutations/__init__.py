"""The mates app's mutations, one module each."""
