"""activesci: likelihood-free inference and active experiment design with a fast C core."""
__version__ = "0.1.0"
