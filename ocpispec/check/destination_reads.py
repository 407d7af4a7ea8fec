"""A local destination that programs read as settings, keys, approvals or code (OCX250).

A custom template without Jinja syntax is copied into its output as it is, and a file
name without an extension fits any format. So a spec's author could write, through an
export the officer signs for its data: an approval record of another spec into its
`*.approvals/` folder (which `run` then accepts as signed off by the officer), a line
into `~/.ssh/authorized_keys`, a cron job, the project's `ocpispec.toml` or a
destination profile. None of these is a place data is delivered to.
"""

from __future__ import annotations

import posixpath

_CODE_OR_SETTINGS = frozenset({
    ".toml", ".ini", ".cfg", ".conf", ".env", ".sig", ".ocx", ".py", ".pyc", ".pth",
    ".sh", ".bash", ".zsh", ".fish", ".ps1", ".bat", ".cmd", ".exe", ".so", ".dll",
    ".dylib", ".js", ".mjs", ".cjs", ".php", ".rb", ".pl", ".service", ".timer",
    ".socket", ".desktop", ".plist", ".pem", ".key", ".pub", ".crt", ".rules"})
_DATABASES = frozenset({".sqlite", ".sqlite3", ".db"})
_NAMED = frozenset({"authorized_keys", "authorized_keys2", "known_hosts", "allowed_signers",
                    "crontab",
                    "environment", "config", "sudoers", "passwd", "shadow", "hosts",
                    "profile", "bashrc", "zshrc", "makefile", "dockerfile"})
_SYSTEM = ("/etc", "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/boot",
           "/proc", "/sys", "/dev", "/root", "/var/spool")


def read_as_settings(destination: str) -> str | None:
    """Why programs would read the file at `destination` (a local pattern) as settings,
    keys, an approval or code, or None for a data file."""
    if not destination:
        return None
    plain = posixpath.normpath(destination)
    parts = [part for part in plain.split("/") if part not in ("", ".", "..", "~")]
    folders, name = parts[:-1], parts[-1].lower() if parts else ""
    if any(folder.lower().endswith(".approvals") for folder in folders):
        return "a spec's approvals folder: a record there approves that spec"
    if plain.startswith("/") and any(plain == top or plain.startswith(top + "/")
                                     for top in _SYSTEM):
        return "a system folder, where the machine keeps its programs and settings"
    dotted = name.startswith(".") and not posixpath.splitext(name)[1]  # `.bashrc`
    if dotted or any(folder.startswith(".") for folder in folders):
        return ("a hidden file or folder (`.ssh`, `.config`, `.git`, `.ocpispec`), where "
                "programs keep their settings, keys and state")
    if posixpath.splitext(name)[1] in _DATABASES:
        return ("a database file, such as a ledger (an export's `since last run` state and "
                "disclosure log)")
    if name in _NAMED or posixpath.splitext(name)[1] in _CODE_OR_SETTINGS:
        return "a kind of file programs read as settings, keys or code"
    return None
