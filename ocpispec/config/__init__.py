"""Configuration: `ocpispec.toml` defaults for the commands (see docs/configuration.md).

- `settings`: the settings a file may hold, their types, variables and built-in defaults.
- `files`: finding the project file (upward from the spec's folder) and the user file
  (in the user config directory), reading them into checked values or diagnostics
  (OCX630 unknown setting, OCX631 a secret, OCX632 wrong type, OCX633 not TOML).
- `locate`: the line a key is on (tomllib gives none), and secret values redacted.
- `resolve.load_config`: flag > environment > project file > user file > built-in,
  each value with its origin.
"""

from ocpispec.config.files import FILE_NAME, find_project_file
from ocpispec.config.resolve import (BUILTIN, Config, ConfigError, Value, configured_templates_root,
                                     load_config, user_config_dir, user_file)
from ocpispec.config.settings import SETTINGS, Setting, is_secret_name

__all__ = ["BUILTIN", "FILE_NAME", "SETTINGS", "Config", "ConfigError", "Setting", "Value",
           "configured_templates_root", "find_project_file", "is_secret_name", "load_config",
           "user_config_dir", "user_file"]
