"""The checker's passes, one module per concern; `ocpispec.checker.check` runs them."""
