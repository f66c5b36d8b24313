"""`python -m explorer train | describe | sweep | landscape`: the same Config and engine as the app, from a shell.
Installed (`pip install .`), the same is the `explorer` command: `explorer train` is `python -m explorer train`.

Bad input exits with code 2 and one line on stderr; no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from explorer.config import GROUP_ORDER, GROUPS, KEYS, Config, ConfigError, parse_value
from explorer.teaching.labels import label


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not usage + message
        self.exit(2, f"{self.prog}: error: {message}\n")


def _add_config_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE", help="a JSON file of config keys (flags override it)")
    defaults = Config().to_query()
    for group in GROUP_ORDER:  # the keys in the sidebar's groups, each flag with what it allows
        flags = parser.add_argument_group(f"{group} keys")
        for name in GROUPS[group]:
            key = KEYS[name]
            flag = "--" + name.replace("_", "-")
            text = f"{key.help}; {key.allowed} (default: {defaults.get(name, '')!r})"
            flags.add_argument(flag, dest=name, metavar="VALUE", help=text.replace("%", "%%"))


def _config_from(args: argparse.Namespace) -> Config:
    values: dict[str, Any] = {}
    if args.config:
        try:
            with open(args.config, encoding="utf-8") as handle:
                values = Config.from_json(handle.read()).to_dict()
        except OSError as err:
            raise ConfigError(f"--config {args.config}: {err.strerror}") from None
    for name in KEYS:
        raw = getattr(args, name)
        if raw is not None:
            values[name] = parse_value(name, raw)
    return Config.from_dict(values)


def _progress(done: int, total: int, text: str, stream=sys.stderr) -> None:
    if not stream.isatty():
        return
    width = 30
    filled = int(width * done / max(total, 1))
    stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {text}")
    stream.flush()


def _train(args: argparse.Namespace) -> int:
    import torch

    from explorer.runs.training import Trainer

    torch.set_num_threads(1)  # small nets: one thread is fastest, and leaves cores to others
    config = _config_from(args)
    trainer = Trainer(config)
    while not trainer.done:
        trainer.advance(seconds=0.25)
        last = trainer.curve[-1] if trainer.curve else {}
        _progress(trainer.epoch, config.epochs, f"loss {last.get('train_loss', float('nan')):.4f}")
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    report = trainer.report()
    if args.json:
        print(json.dumps(report))
    else:
        print(_summary(report, trainer.seconds_training))
    return 1 if trainer.diverged else 0


def _summary(report: dict[str, Any], seconds: float) -> str:
    final = report["final"]
    config = report["config"]
    metric = "test_accuracy" if report["task"] == "classification" else "test_r2"
    lines = [
        f"{config['dataset']} ({report['task']}), scaler={config['scaler']}, skew={config['skew'] or '-'}, "
        f"hidden={','.join(map(str, config['hidden']))}, {config['activation']}, norm={config['norm']}, "
        f"{config['optimizer']} lr={config['lr']:g}, seed={config['seed']}",
        f"epochs run   {final['epochs_run']} in {seconds:.1f} s",
    ]
    for key in ("train_loss", "test_loss", metric):
        value = final.get(key)
        lines.append(f"{key:<12} {'-' if value is None else f'{value:.4f}'}")
    for note in report.get("notes", []):
        lines.append(f"note: {note}")
    if report["diverged"]:
        lines.append(f"DIVERGED: {report.get('message', '')}")
    if report["epochs"]:
        lines.append("layer  stage   mean     std      skew     dead  saturated")
        for layer in report["epochs"][-1]["layers"]:
            for stage in layer["order"]:
                s = layer["stages"][stage]
                lines.append(
                    f"{layer['index']:<6} {stage:<7} {s['mean']:<8.3f} {s['std']:<8.3f} {s['skew']:<8.3f} "
                    f"{s['frac_dead']:<5.2f} {s['frac_saturated']:.2f}"
                )
    return "\n".join(lines)


def _describe(args: argparse.Namespace) -> int:
    from explorer.data.pipeline import prepare
    from explorer.runs.describe import describe, verify

    config = _config_from(args)
    prepared = prepare(config)
    report = describe(config, prepared)
    if args.verify:
        verify(report, prepared)
    if args.json:
        print(json.dumps(report))
        return 0
    print(format_description(report))
    if args.verify:
        measured = report["measured_gd_iterations"]
        check = report["gd_verification"]
        shown = "not reached" if measured is None else f"{measured:,}"
        print(f"gradient descent, measured: {shown} steps (ran {check['iterations_run']:,}, cap {check['cap']:,})")
    return 0


def _fmt(value: float | None, digits: int = 3) -> str:
    if value is None:
        return "-"
    if value == 0 or abs(value) < 1e-12:
        return "0"
    return f"{value:.{digits}g}"


def _fmt_p(value: float | None) -> str:
    if value is None:
        return "-"
    return "<1e-4" if value < 1e-4 else f"{value:.2g}"


def _kappa_text(kappa: float | None, effective: float | None) -> str:
    return f"∞ (singular; {_fmt(effective)} over the other directions)" if kappa is None else _fmt(kappa)


def format_description(report: dict[str, Any]) -> str:
    """A tidy plain-text table of `explorer.runs.describe.describe`'s report, for the terminal."""
    from explorer.runs.describe import GAUSSIAN_WITHIN_HALF_STD, STAGES

    config = report["config"]
    lines = [
        f"{label('dataset', config['dataset'])}, {report['task']}: {report['n_train']} training rows (statistics "
        "below), "
        f"{report['n_test']} test rows",
        f"skew   {config['skew'] or '-'} ({label('skew', config['skew'])})" if config["skew"] else "skew   -",
        f"scaler {config['scaler']} ({label('scaler', config['scaler'])}): {report['scaler_description']}",
        "",
    ]
    width = max(7, *(len(row["feature"]) for rows in report["stages"].values() for row in rows))
    header = ["stage", "feature".ljust(width), "mean", "std", "min", "max", "skew", "ex.kurt", "±0.5σ", "normal p"]
    lines.append(f"{header[0]:<7} {header[1]}" + "".join(f" {h:>9}" for h in header[2:]))
    for stage in STAGES:
        for row in report["stages"][stage]:
            cells = [row[key] for key in ("mean", "std", "min", "max", "skew", "kurtosis")]
            values = [_fmt(v) for v in cells] + [_fmt(row["within_half_std"], 2), _fmt_p(row["normality_p"])]
            lines.append(f"{stage:<7} {row['feature']:<{width}}" + "".join(f" {v:>9}" for v in values))
    lines.append(
        f"(a Gaussian has skew 0, excess kurtosis 0 and {GAUSSIAN_WITHIN_HALF_STD:.2f} of its values within ±0.5σ)"
    )
    lines += [
        "",
        "conditioning of H = X̃ᵀX̃/n (scaled training rows, with a column of ones for the bias)",
        f"κ = λmax/λmin             {_kappa_text(report['condition_number'], report['effective_condition_number'])}",
        f"eigenvalues               {' '.join(_fmt(v) for v in report['eigenvalues'][:12])}"
        + (" …" if len(report["eigenvalues"]) > 12 else ""),
    ]
    predicted = report["predicted_gd_iterations"]
    if predicted is None:
        predicted_text = f"∞ ({_fmt(report['effective_predicted_gd_iterations'])} over the other directions)"
    else:
        predicted_text = f"{predicted:,.0f} (≈ κ·ln 1000)"
    lines.append(f"GD steps to shrink 1000×  {predicted_text}, linear least squares at η = 1/λmax")
    if report.get("by_scaler"):
        lines += ["", "κ for every scaler on this data"]
        for row in report["by_scaler"]:
            marker = " ←" if row["scaler"] == config["scaler"] else ""
            if "error" in row:
                text = f"fails: {row['error']}"
            else:
                text = _kappa_text(row["condition_number"], row["effective_condition_number"])
            lines.append(f"  {row['scaler']:<17} {text}{marker}")
    if report["notes"]:
        lines.append("")
        lines += [f"note: {note}" for note in report["notes"]]
    return "\n".join(lines)


def _sweep(args: argparse.Namespace) -> int:
    import torch

    from explorer.sweeps import executors, sweep

    torch.set_num_threads(1)
    if not args.grid:
        raise ConfigError("give at least one --grid KEY=VALUE[,VALUE…], e.g. --grid norm=none,bn_before")
    spec = sweep.Sweep.parse(_config_from(args), args.grid, _positive("--seeds", args.seeds))
    workers = None if args.workers is None else _positive("--workers", args.workers)
    with executors.executor_for(spec, workers, args.scheduler) as executor:
        result = sweep.run(spec, executor, lambda done, total: _progress(done, total, "groups trained"))
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    print(json.dumps(result.to_json()) if args.json else format_sweep(result))
    return 0


def _positive(flag: str, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"{flag} {text!r}: expected a positive integer") from None
    if value < 1:
        raise ConfigError(f"{flag} {value}: expected a positive integer")
    return value


def format_sweep(result: Any) -> str:
    """The summary as a ranked table, best median first, with a line on what is within seed noise."""
    from explorer.sweeps.stats import INTERVAL_TEXT, overlaps

    rows = sorted(result.summary, key=lambda s: _rank_key(s["metric"]), reverse=True)
    name = rows[0]["metric"]["name"] if rows else "metric"
    width = max([len(r["label"]) for r in rows] + [13])
    lines = [
        f"{len(result.runs)} runs in {result.seconds:.1f} s; {name}: median [{INTERVAL_TEXT}]",
        f"{'configuration':<{width}}  {name:>26}  {'test_loss':>9}  diverged",
    ]
    for row in rows:
        m = row["metric"]
        shown = "-" if m["median"] is None else f"{m['median']:.4f} [{m['ci95_low']:.4f}, {m['ci95_high']:.4f}]"
        loss = row["test_loss"]["median"]
        lines.append(
            f"{row['label']:<{width}}  {shown:>26}  {'-' if loss is None else f'{loss:.4f}':>9}  "
            f"{row['n_diverged']}/{row['n']}"
        )
    measured = [row for row in rows if row["metric"]["median"] is not None]  # not those where every seed diverged
    if len(measured) > 1 and overlaps(measured[0]["metric"], measured[1]["metric"]):
        lines.append(f"The best two ({measured[0]['label']}; {measured[1]['label']}) overlap: within seed noise.")
    return "\n".join(lines)


def _rank_key(metric: dict[str, Any]) -> float:
    return -float("inf") if metric["median"] is None else metric["median"]


def _landscape(args: argparse.Namespace) -> int:
    import torch

    from explorer.runs.landscape import format_landscape, landscape

    torch.set_num_threads(1)
    config = _config_from(args)
    try:
        epochs = [int(part) for part in args.at_epochs.split(",") if part.strip()]
    except ValueError:
        raise ConfigError(f"--at-epochs {args.at_epochs!r}: expected epochs like 1,5,20") from None
    if not epochs or min(epochs) < 0 or max(epochs) > config.epochs:
        raise ConfigError(f"--at-epochs {args.at_epochs!r}: expected epochs between 0 and epochs={config.epochs}")
    report = landscape(config, epochs)
    print(json.dumps(report) if args.json else format_landscape(report))
    return 0


COMMANDS: dict[str, tuple[Callable[[argparse.Namespace], int], str]] = {
    "train": (_train, "train one configuration and print its run report"),
    "describe": (_describe, "describe the input pipeline: per-stage feature statistics and conditioning"),
    "sweep": (_sweep, "train a grid of configurations over several seeds together and compare them"),
    "landscape": (_landscape, "probe the loss along the gradient at chosen epochs (Santurkar et al. 2018)"),
}


PROG = "python -m explorer"
SCRIPT = "explorer"  # the console script pyproject.toml installs; it calls main() too


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    parser = _Parser(prog=prog, description="Normalization Explorer from the command line.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, (_, help_text) in COMMANDS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text)
        _add_config_flags(sub)
        sub.add_argument("--json", action="store_true", help="print machine-readable JSON")
        if name == "sweep":
            _add_sweep_flags(sub)
        if name == "landscape":
            sub.add_argument(
                "--at-epochs", default="1,5,20", metavar="E1,E2", help="epochs at which to probe (0: at init)"
            )
        if name == "describe":
            sub.add_argument(
                "--verify",
                action="store_true",
                help="also run gradient descent on this data and report measured beside predicted iterations",
            )
    return parser


def _add_sweep_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="KEY=V1,V2",
        help="a key to vary and its values; repeat for a second key. hidden and skew values contain commas: "
        "separate their values with '|', e.g. --grid 'hidden=32|64,64'; skew 'none' is no skew",
    )
    parser.add_argument("--seeds", default="1", metavar="N", help="run seeds seed … seed+N-1 of each configuration")
    parser.add_argument(
        "--workers",
        metavar="N",
        help="local worker processes (default: one per core, if the sweep is long enough to pay for starting them)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDR",
        help="a Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: $EXPLORER_DASK_SCHEDULER, else local)",
    )


def _invoked_as() -> str:
    """The name usage and errors give this program: `explorer` when run as the installed console script,
    else `python -m explorer` (sys.argv[0] is then explorer/__main__.py)."""
    name = os.path.basename(sys.argv[0]) if sys.argv else ""
    return SCRIPT if name.removesuffix(".exe") == SCRIPT else PROG


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; `argv` defaults to the command line's. Returns the exit code."""
    parser = build_parser(PROG if argv is not None else _invoked_as())
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command][0](args)
    except ConfigError as err:
        sys.stderr.write(f"{parser.prog} {args.command}: error: {err}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
