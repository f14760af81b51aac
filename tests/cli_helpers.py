"""Running the command line inside the test process (shared by the CLI tests)."""

from __future__ import annotations

from dxsim.cli import main


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    """``dxsim ARGV...`` in this process: exit status, stdout, stderr; never a traceback."""
    try:
        status = main(list(argv))
    except SystemExit as exit_:  # argparse exits on bad arguments
        status = exit_.code if isinstance(exit_.code, int) else 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return status, out, err
