"""The package version, in one place: pyproject.toml reads it from here (without importing the
package), and the modules that record it import it from here."""

__version__ = "0.1.0"
