"""Charts drawn from results or saved result folders."""
