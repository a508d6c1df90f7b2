"""The behavioural model: parameters and formulas, people, the weekly engine and its kernels."""
