"""bbjcoder: build, measure, ship and serve a code model for BBj."""

__version__ = "0.1.0"
