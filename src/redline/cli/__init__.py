"""``redline`` — the command line: one group, one module per command group.

Each ``redline.cli.<group>`` module defines its commands and a ``COMMANDS`` list; this
module only collects them. Shared options live in :mod:`redline.cli.options`.
"""

from __future__ import annotations

import click

from redline import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="redline")
def main() -> None:
    """redline — 天猫/淘宝客服高压线守护：检查客服回复是否踩红线。

    Keeps Tmall/Taobao customer service inside the platform's red lines.
    """


def _register() -> None:
    from redline.cli.alerts import COMMANDS as ALERTS
    from redline.cli.check import COMMANDS as CHECK
    from redline.cli.desk import COMMANDS as DESK
    from redline.cli.ledger import COMMANDS as LEDGER
    from redline.cli.metrics import COMMANDS as METRICS
    from redline.cli.qa import COMMANDS as QA
    from redline.cli.training import COMMANDS as TRAINING
    from redline.cli.web import COMMANDS as WEB

    for command in [*CHECK, *DESK, *QA, *LEDGER, *METRICS, *ALERTS, *TRAINING, *WEB]:
        main.add_command(command)


_register()


if __name__ == "__main__":  # pragma: no cover
    main()
