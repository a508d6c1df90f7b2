"""Running a scenario: the runner, results, metrics, attribution and comparisons."""
