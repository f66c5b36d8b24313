"""What the Train page lets a learner take away: the run report, the per-epoch metrics and a PyTorch script.

The script is the run's whole recipe in plain torch and scikit-learn (data, skews, split, scaler, network,
loop), so a learner can read it top to bottom and run it without this project. It calls the same sklearn
functions with the same seeds as `explorer.data.datasets`, `skews`, `pipeline` and `scaling`, builds an
`nn.Sequential` initialised in `model.build`'s order from the same generator, and shuffles with the same
generator as `members.Members`; it trains with autograd and `torch.optim` instead of the hand-written core,
so its final metric matches the app's up to float rounding (tests/engine/test_export.py checks within 0.01).
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import math
import textwrap

from explorer.config import BATCH_NORMS, NOISY_NORMS, Config, format_value
from explorer.config.skew_grammar import OUTLIER_KINDS, parse_skew
from explorer.core.model import NORM_FIRST
from explorer.data.datasets import CSV_MAX_ROWS
from explorer.runs.training import Trainer


def _header(text: str) -> str:
    """A section's first line, `# ---- text ----…`, 100 characters wide."""
    line = f"# ---- {text} "
    return line + "-" * max(4, 100 - len(line))


def file_stem(config: Config) -> str:
    """`normexp-<dataset>-<8 hex>`: the hash tells apart exports of different configs of one dataset."""
    digest = hashlib.sha256(config.to_json().encode()).hexdigest()[:8]
    return f"normexp-{config.dataset}-{digest}"


def report_json(trainer: Trainer) -> str:
    """The run report, exactly what `python -m explorer train --json` prints for the same run."""
    return json.dumps(trainer.report())


CSV_COLUMNS = ("epoch", "train_loss", "train_loss_eval", "test_loss")


def metrics_csv(trainer: Trainer) -> str:
    """One row per epoch trained. `train_loss_eval` is kept for the epochs the run still details (all of
    them up to 200; older ones are thinned), so it is empty in the rows it no longer has."""
    eval_loss = {record["epoch"]: record["train_loss_eval"] for record in trainer.records}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*CSV_COLUMNS, trainer.metric_name])
    for row in trainer.curve:
        values = [row["epoch"], row["train_loss"], eval_loss.get(row["epoch"]), row["test_loss"]]
        writer.writerow(["" if v is None else repr(v) for v in [*values, row[trainer.metric_name]]])
    return out.getvalue()


def pytorch_script(trainer: Trainer) -> str:
    """The run as a self-contained `.py`; it prints `test_accuracy=…` or `test_r2=…` at its end."""
    prepared = trainer.prepared
    last = trainer.curve[-1] if trainer.curve else None
    app_result = None if last is None else (last["epoch"], last[trainer.metric_name])
    return script(trainer.config, prepared.raw.shape[1], prepared.task, prepared.n_outputs, app_result)


# ---- the script, section by section ------------------------------------------------------------------


def script(
    config: Config, n_features: int, task: str, n_outputs: int, app_result: tuple[int, float] | None = None
) -> str:
    """The script's text for `config` on data with `n_features` raw columns; `app_result` is (epoch, metric)
    as the app last showed it, quoted in the docstring so a reader knows what to expect."""
    metric = "test_accuracy" if task == "classification" else "test_r2"
    sections = [
        _docstring(config, metric, app_result),
        _imports(config),
        _constants(config),
        _load(config, task),
        _skew(config, n_features),
        _split(task),
        _scale(config),
        _tensors(task),
        _network(config, n_outputs),
        _train(config, task, metric),
    ]
    text = ""
    for section in (s.strip("\n") for s in sections if s):
        code = [line for line in section.splitlines() if line and not line.startswith("#")]
        top_level_def = bool(code) and code[0].startswith(("def ", "class "))
        text += ("\n\n\n" if top_level_def and text else "\n\n" if text else "") + section
    return text + "\n"


def _docstring(config: Config, metric: str, app_result: tuple[int, float] | None) -> str:
    usage = f"python {file_stem(config)}.py"
    if config.dataset == "csv":
        usage += " path/to/your.csv"
    csv_note = "The CSV the app trained on is read from the path given on the command line. " * (
        config.dataset == "csv"
    )
    if app_result is None:
        expected = f"It prints {metric}=… at its end."
    else:
        epoch, value = app_result
        expected = (
            f"After {epoch} of {config.epochs} epochs the app showed {metric}={value:.4f}. This script trains all "
            f"{config.epochs} epochs and prints {metric}=… at its end; for the same epochs it equals the app's "
            "within about 0.01 (it trains with autograd and torch.optim, the app with a hand-written batched "
            "core: float rounding differs)."
        )
    about = textwrap.fill(csv_note + expected, width=110)
    settings = "\n".join(  # never csv_path: the server's copy of an upload means nothing to the learner
        f"    {name} = {format_value(value)}"
        for name, value in config.to_dict().items()
        if name != "csv_path" and value != ""
    ).replace("\\", "/")
    return f'''"""A Normalization Explorer run in plain PyTorch and scikit-learn: the whole recipe, top to bottom.

1. data  2. skews  3. train/test split  4. scaler fitted on the training split  5. network  6. training loop

Run:  {usage}

{about}

The app's settings for this run:
{settings}
"""'''


def _imports(config: Config) -> str:
    """Only what this config uses, in isort's order (the script passes `ruff check`)."""
    plain = {"numpy as np", "torch"}
    froms = {"sklearn.model_selection import train_test_split", "torch import nn"}
    if any(skew.kind == "heavy_tail" for skew in parse_skew(config.skew)):
        froms.add("scipy import stats")
    if config.dataset not in ("xor", "spiral", "skewed_regression", "csv"):
        froms.add("sklearn import datasets")
    froms.update(line.removeprefix("from ") for line in _SCALER_IMPORTS.get(config.scaler, []))
    third_party = [f"import {m}" for m in sorted(plain)] + [f"from {m}" for m in sorted(froms)]
    return "\n".join(["import math", "import sys", "", *third_party])


def _constants(config: Config) -> str:
    return f"""torch.set_num_threads(1)  # a network this small trains fastest on one thread
SEED = {config.seed}  # draws the data, the split, the initial weights (SEED) and the batch order (SEED + 1)
TEST_SIZE = {config.test_size!r}
EPOCHS = {config.epochs}
BATCH_SIZE = {config.batch_size}"""


# ---- 1. data --------------------------------------------------------------------------------------------

_CUSTOM_DATA = {
    "xor": '''def make_xor(n, noise, rng):
    """Four quadrants: the label is whether x0 and x1 have different signs."""
    X = rng.uniform(-1, 1, (n, 2))
    y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(np.int64)
    return X + rng.normal(0, noise * 0.25, X.shape), y''',
    "spiral": '''def make_spiral(n, noise, rng):
    """Two interleaved spiral arms."""
    y = np.arange(n) % 2
    t = np.sqrt(rng.uniform(0, 1, n)) * 3 * np.pi  # sqrt spreads points evenly along the arm
    angle = t + np.pi * y
    X = np.column_stack([t * np.cos(angle), t * np.sin(angle)]) / (3 * np.pi)
    return X + rng.normal(0, noise * 0.25, X.shape), y''',
    "skewed_regression": '''def make_skewed_regression(n, d, noise, rng):
    """Right-skewed (lognormal) features and a target linear in them, as incomes and prices often are."""
    X = np.exp(0.8 * rng.standard_normal((n, d)))
    signal = X @ rng.normal(0, 1, d)
    y = signal + rng.normal(0, noise * 0.5 * signal.std(), n)
    return X, y''',
}


def _load(config: Config, task: str) -> str:
    n, noise, d = config.n_samples, config.noise, config.n_features
    head = _header(f"1. data: {config.dataset}")
    name = config.dataset
    if name == "csv":
        target = repr(config.target)
        body = f'''def load_csv(path, target={target}):
    """Numeric feature columns and a target column (default: the last); rows with empty cells are dropped."""
    import pandas as pd  # only to read the CSV

    frame = pd.read_csv(path, nrows={CSV_MAX_ROWS})
    target = target or str(frame.columns[-1])
    frame = frame.dropna()
    X = frame.drop(columns=[target]).to_numpy(dtype=np.float64)
    {_csv_target(task)}
    return X, y


if len(sys.argv) < 2:
    sys.exit(f"usage: python {{sys.argv[0]}} path/to/your.csv")
X, y = load_csv(sys.argv[1])'''
    elif name in ("iris", "wine", "breast_cancer", "digits", "diabetes"):
        dtype = "np.float64" if name == "diabetes" else "np.int64"
        body = f"""bunch = datasets.load_{name}()  # bundled with scikit-learn: nothing is downloaded
X = np.asarray(bunch.data, dtype=np.float64)
y = np.asarray(bunch.target, dtype={dtype})"""
    elif name in _CUSTOM_DATA:
        call = f"make_skewed_regression({n}, {d}, {noise!r}, rng)" if name == "skewed_regression" else None
        call = call or f"make_{name}({n}, {noise!r}, rng)"
        body = f"""{_CUSTOM_DATA[name]}


rng = np.random.default_rng(SEED)
X, y = {call}"""
    else:
        informative = max(2, d // 2)
        calls = {
            "moons": ("X, y = datasets.make_moons", f"{n}, noise={noise!r}, random_state=SEED"),
            "circles": ("X, y = datasets.make_circles", f"{n}, noise={noise * 0.5!r}, factor=0.5, random_state=SEED"),
            "blobs": (
                "X, y = datasets.make_blobs",
                f"{n}, n_features={d}, centers=3, cluster_std={1 + 2 * noise!r}, random_state=SEED",
            ),
            "classification": (
                "X, y = datasets.make_classification",
                f"{n}, n_features={d}, n_informative={informative}, n_redundant={min(d - informative, d // 4)}, "
                f"flip_y={min(0.5, noise * 0.1)!r}, random_state=SEED",
            ),
            "regression": (
                "X, y, *_ = datasets.make_regression",
                f"{n}, n_features={d}, n_informative={max(1, d // 2)}, noise={noise * 10!r}, random_state=SEED",
            ),
        }
        body = _call(*calls[name])
    dtype = "np.float64" if name in ("regression", "skewed_regression", "diabetes") else "np.int64"
    if name not in ("iris", "wine", "breast_cancer", "digits", "diabetes", "csv"):
        body += f"\nX, y = X.astype(np.float64), y.astype({dtype})"
    return f"{head}\n{body}"


def _call(callee: str, args: str) -> str:
    """`callee(args)` on one line, or its arguments on their own line when that is too long (as ruff formats)."""
    line = f"{callee}({args})"
    return line if len(line) <= 120 else f"{callee}(\n    {args}\n)"


def _csv_target(task: str) -> str:
    """The target as the app read this CSV: class labels are its distinct values as text, sorted."""
    if task == "regression":
        return "y = frame[target].to_numpy(dtype=np.float64)"
    return (
        "# class labels: the distinct values as text, sorted\n"
        "    classes, y = np.unique(frame[target].astype(str).to_numpy(), return_inverse=True)\n"
        "    y = y.astype(np.int64)"
    )


# ---- 2. skews -------------------------------------------------------------------------------------------

_SHAPES = {
    "lognormal": '''def lognormal(z, sigma):
    """Right skew: exp(sigma·z)."""
    return np.exp(sigma * np.clip(z, -20 / max(sigma, 1e-9), 20 / max(sigma, 1e-9)))''',
    "heavy_tail": '''def heavy_tail(z, kurtosis):
    """Ranks mapped to a Student t with 4 + 6/kurtosis degrees of freedom (excess kurtosis = kurtosis)."""
    return stats.t.ppf(ranks(z), df=4 + 6 / kurtosis) if kurtosis > 0 else z''',
    "uniform": '''def uniform(z, share):
    """Flattened towards uniform ranks."""
    return (1 - share) * z + share * (ranks(z) - 0.5) * np.sqrt(12)''',
    "bimodal": '''def bimodal(z, gap):
    """Split at the median into two modes `gap` stds apart."""
    return z + gap * np.where(z >= np.median(z), 1.0, -1.0)''',
    "discretize": '''def discretize(z, levels):
    """Rounded to a few equal-count levels."""
    return np.floor(ranks(z) * round(levels))''',
}

_RESHAPE = '''def reshape(column, shape, amount):
    """A new shape for the column, then its old mean and std back: only the shape changes."""
    mean, std = column.mean(), column.std()
    if std == 0:
        return column
    shaped = shape((column - mean) / std, amount)
    shaped_std = shaped.std()
    if shaped_std == 0:
        return column
    return (shaped - shaped.mean()) / shaped_std * std + mean'''

_RANKS = '''def ranks(z):
    """Each value's rank, as a share in (0, 1)."""
    return (np.argsort(np.argsort(z, kind="stable"), kind="stable") + 0.5) / len(z)'''

_OUTLIERS = '''def outliers(column, share, rng):
    """That share of rows pushed 8 to 15 stds out."""
    mean, std = column.mean(), column.std()
    if std == 0:
        return column
    out = column.copy()
    count = max(1, round(share * len(column)))
    rows = rng.choice(len(column), size=count, replace=False)
    out[rows] = mean + rng.choice([-1.0, 1.0], count) * rng.uniform(8, 15, count) * std
    return out'''


def _skew(config: Config, n_features: int) -> str:
    skews = parse_skew(config.skew)
    head = _header("2. skews")
    if not skews:
        return f"{head}\n# none: the features stay as loaded"
    kinds = {skew.kind for skew in skews}
    helpers = []
    if kinds & {"heavy_tail", "uniform", "discretize"}:
        helpers.append(_RANKS)
    shapes = [kind for kind in _SHAPES if kind in kinds]
    if shapes:
        helpers.append(_RESHAPE)
        helpers += [_SHAPES[kind] for kind in shapes]
    if "outliers" in kinds:
        helpers.append(_OUTLIERS)
    lines = [f"X = X.copy()  # skew={config.skew!r}, applied in order"]
    if "outliers" in kinds:
        lines.append("rng = np.random.default_rng([SEED, 1789])")
    for skew in skews:
        columns = skew.columns(n_features)
        if skew.kind == "scale":
            step = f"X[:, j] = X[:, j] * {skew.amount!r}"
        elif skew.kind == "shift":
            step = f"X[:, j] = X[:, j] + {skew.amount!r}"
        elif skew.kind in OUTLIER_KINDS:
            step = f"X[:, j] = outliers(X[:, j], {skew.amount!r}, rng)"
        else:
            step = f"X[:, j] = reshape(X[:, j], {skew.kind}, {skew.amount!r})"
        lines.append(f"for j in {columns}:  # {skew}\n    {step}")
    return "\n\n\n".join([head, *helpers, "\n".join(lines)]) if helpers else head + "\n" + "\n".join(lines)


# ---- 3. split, 4. scaler --------------------------------------------------------------------------------


def _split(task: str) -> str:
    stratify = (
        "y if np.bincount(y).min() >= 2 else None  # stratified: each class in both splits"
        if task == "classification"
        else "None"
    )
    return f"""{_header("3. train/test split")}
rows = np.arange(len(y))
stratify = {stratify}
train_rows, test_rows = train_test_split(rows, test_size=TEST_SIZE, random_state=SEED, stratify=stratify)
train_rows, test_rows = np.sort(train_rows), np.sort(test_rows)"""


_SCALER_IMPORTS = {
    "standard": ["from sklearn.preprocessing import StandardScaler"],
    "minmax": ["from sklearn.preprocessing import MinMaxScaler"],
    "maxabs": ["from sklearn.preprocessing import MaxAbsScaler"],
    "robust": ["from sklearn.preprocessing import RobustScaler"],
    "quantile_normal": ["from sklearn.preprocessing import QuantileTransformer"],
    "quantile_uniform": ["from sklearn.preprocessing import QuantileTransformer"],
    "yeo_johnson": ["from sklearn.preprocessing import PowerTransformer"],
    "box_cox": [
        "from sklearn.base import BaseEstimator, TransformerMixin",
        "from sklearn.pipeline import Pipeline",
        "from sklearn.preprocessing import PowerTransformer",
    ],
    "l2": ["from sklearn.preprocessing import Normalizer"],
    "pca_whiten": ["from sklearn.decomposition import PCA"],
}

_SCALERS = {
    "standard": "StandardScaler()",
    "minmax": "MinMaxScaler()",
    "maxabs": "MaxAbsScaler()",
    "robust": "RobustScaler()",
    "quantile_normal": "QuantileTransformer(\n    n_quantiles=max(10, min(1000, len(train_rows))), "
    'output_distribution="normal", random_state=SEED\n)',  # wrapped as ruff format would: "scaler = " + it > 120
    "quantile_uniform": "QuantileTransformer(n_quantiles=max(10, min(1000, len(train_rows))), random_state=SEED)",
    "yeo_johnson": 'PowerTransformer("yeo-johnson")',
    "box_cox": 'Pipeline([("shift", PositiveShift()), ("box_cox", PowerTransformer("box-cox"))])',
    "l2": "Normalizer()  # each row to unit length",
    "pca_whiten": "PCA(whiten=True, random_state=SEED)",
}

_POSITIVE_SHIFT = '''class PositiveShift(TransformerMixin, BaseEstimator):
    """Shift features so the training split is strictly positive, as Box-Cox requires (later values at or
    below the fitted floor are clipped to it)."""

    def fit(self, X, y=None):
        X = np.asarray(X, dtype=np.float64)
        low, high = X.min(axis=0), X.max(axis=0)
        margin = np.maximum((high - low) * 0.01, 1e-3)
        self.shift_ = np.where(low <= 0, margin - low, 0.0)
        self.floor_ = np.minimum(low + self.shift_, margin) / 10
        return self

    def transform(self, X):
        return np.maximum(np.asarray(X, dtype=np.float64) + self.shift_, self.floor_)'''


def _scale(config: Config) -> str:
    head = _header(f"4. scaler: {config.scaler}, fitted on the training rows only")
    if config.scaler == "none":
        return f"""{head}
X_train, X_test = X[train_rows], X[test_rows]  # scaler=none: the features as they are"""
    shift = _POSITIVE_SHIFT + "\n\n\n" if config.scaler == "box_cox" else ""
    return f"""{head}
{shift}scaler = {_SCALERS[config.scaler]}
X_train = scaler.fit_transform(X[train_rows])
X_test = scaler.transform(X[test_rows])"""


def _tensors(task: str) -> str:
    if task == "classification":
        targets = """y_train = torch.as_tensor(y[train_rows], dtype=torch.long)
y_test = torch.as_tensor(y[test_rows], dtype=torch.long)"""
    else:
        targets = """# the loss is MSE on the target standardized with the training split's mean and std
target_mean, target_std = y[train_rows].mean(), y[train_rows].std() or 1.0
y_train = torch.as_tensor((y[train_rows] - target_mean) / target_std, dtype=torch.float32)[:, None]
y_test = torch.as_tensor((y[test_rows] - target_mean) / target_std, dtype=torch.float32)[:, None]"""
    return f"""X_train = torch.as_tensor(X_train, dtype=torch.float32)
X_test = torch.as_tensor(X_test, dtype=torch.float32)
{targets}"""


# ---- 5. network -----------------------------------------------------------------------------------------

_ACTIVATION_MODULES = {
    "relu": "nn.ReLU()",
    "leaky_relu": "nn.LeakyReLU(0.01)",
    "elu": "nn.ELU()",
    "gelu": "nn.GELU()",
    "tanh": "nn.Tanh()",
    "sigmoid": "nn.Sigmoid()",
    "linear": "nn.Identity()",
}

_NOISY_BN = '''class NoisyBatchNorm(nn.BatchNorm1d):
    """Batch norm plus, in training, noise: per unit a scale in [1, 1+s] and a shift in [-s, s], and per
    value N(0, (s/4)^2), drawn from the layer's own generator at every step."""

    def __init__(self, units, strength, seed):
        super().__init__(units)
        self.strength = strength
        self.generator = torch.Generator().manual_seed(seed)

    def forward(self, x):
        out = super().forward(x)
        if not self.training:
            return out
        s, units, rows = self.strength, x.shape[1], x.shape[0]
        u = torch.rand(2, units, 1, generator=self.generator)
        z = torch.randn(units, rows, generator=self.generator)
        scale, shift, per_value = 1 + s * u[0], s * (2 * u[1] - 1), z * (s / 4)
        return (out.T * scale + shift + per_value).T'''


def _norm_module(config: Config, width: int, index: int) -> str:
    if config.norm in NOISY_NORMS:
        return f"NoisyBatchNorm({width}, {config.norm_noise!r}, seed=SEED + 2 + 7919 * {index})"
    return f"nn.BatchNorm1d({width})" if config.norm in BATCH_NORMS else f"nn.LayerNorm({width})"


def _init(config: Config) -> str:
    init = config.init
    if init == "default":
        return """with torch.no_grad():  # PyTorch's default init, from a generator seeded with SEED, layer by layer
    for linear in linears:
        nn.init.kaiming_uniform_(linear.weight, a=math.sqrt(5), generator=generator)
        if linear.bias is not None:
            bound = 1 / math.sqrt(linear.in_features)
            nn.init.uniform_(linear.bias, -bound, bound, generator=generator)"""
    if init == "xavier":
        weight = "nn.init.xavier_uniform_(linear.weight, gain=1.0, generator=generator)  # Glorot & Bengio (2010)"
    elif init in ("he", "he_uniform"):
        a, slope = ("0.01", "leaky_relu") if config.activation == "leaky_relu" else ("0", "relu")
        kaiming = "kaiming_normal_" if init == "he" else "kaiming_uniform_"
        weight = (
            "if linear is linears[-1]:  # the output layer feeds no activation\n"
            f'            nn.init.{kaiming}(linear.weight, nonlinearity="linear", generator=generator)\n'
            "        else:  # He et al. (2015)\n"
            f'            nn.init.{kaiming}(linear.weight, a={a}, nonlinearity="{slope}", generator=generator)'
        )
    elif init.startswith("uniform:"):
        bound = math.sqrt(3.0) * float(init.split(":", 1)[1])  # ±std·√3 has that std
        weight = f"nn.init.uniform_(linear.weight, -{bound!r}, {bound!r}, generator=generator)  # std {init[8:]}"
    else:
        weight = f"nn.init.normal_(linear.weight, 0.0, {float(init.split(':', 1)[1])!r}, generator=generator)"
    return f"""with torch.no_grad():  # init={init}, drawn from a generator seeded with SEED, layer by layer
    for linear in linears:
        {weight}
        if linear.bias is not None:
            nn.init.zeros_(linear.bias)"""


def _network(config: Config, n_outputs: int) -> str:
    widths = ["X_train.shape[1]", *map(str, config.hidden)]
    norm_first = config.norm in NORM_FIRST
    no_bias = norm_first and config.norm.startswith("bn")
    order = {"none": "Linear → activation"}.get(
        config.norm, "Linear → norm → activation" if norm_first else "Linear → activation → norm"
    )
    lines = []
    for index, (n_in, width) in enumerate(itertools.pairwise(widths)):
        bias = ", bias=False" if no_bias else ""
        lines.append(f"    nn.Linear({n_in}, {width}{bias}),  # hidden layer {index + 1}")
        act = f"    {_ACTIVATION_MODULES[config.activation]},"
        norm = f"    {_norm_module(config, width, index)}," if config.norm != "none" else None
        lines += [x for x in ([norm, act] if norm_first else [act, norm]) if x]
    lines.append(f"    nn.Linear({widths[-1]}, {n_outputs}),  # output layer")
    why = (
        "\n# Batch norm's beta replaces the Linear's bias before it: BN would cancel that bias anyway."
        if no_bias
        else ""
    )
    noisy = _NOISY_BN + "\n\n\n" if config.norm in NOISY_NORMS else ""
    head = _header(f"5. network: {order} in each hidden layer")
    return f"""{head}{why}
{noisy}model = nn.Sequential(
{chr(10).join(lines)}
)
generator = torch.Generator().manual_seed(SEED)
linears = [m for m in model if isinstance(m, nn.Linear)]
{_init(config)}"""


# ---- 6. training ----------------------------------------------------------------------------------------


def _optimizer(config: Config) -> str:
    decay = f", weight_decay={config.weight_decay!r}" if config.weight_decay else ""
    if config.optimizer == "adam":
        return f"torch.optim.Adam(model.parameters(), lr={config.lr!r}{decay})"
    momentum = f", momentum={config.momentum!r}" if config.optimizer == "momentum" else ""
    return f"torch.optim.SGD(model.parameters(), lr={config.lr!r}{momentum}{decay})"


def _train(config: Config, task: str, metric: str) -> str:
    if task == "classification":
        loss_fn = "nn.CrossEntropyLoss()"
        measure = """predicted = outputs.argmax(1)
        value = (predicted == y_test).double().mean().item()  # accuracy"""
    else:
        loss_fn = "nn.MSELoss()"
        measure = """y = y_test.double()
        total = (y - y.mean()).square().sum().item()
        value = 1 - (outputs.double() - y).square().sum().item() / total if total > 0 else 0.0  # R²"""
    drop = ""
    if config.norm in BATCH_NORMS:
        drop = """
    if len(batches) > 1 and len(batches[-1]) < 2:
        batches = batches[:-1]  # batch norm cannot normalise one row: it sits this epoch out"""
    decay = " (weight decay: L2 added to the gradient)" if config.weight_decay else ""
    head = _header(f"6. training: {config.optimizer}{decay}")
    return f"""{head}
optimizer = {_optimizer(config)}
loss_fn = {loss_fn}
shuffle = torch.Generator().manual_seed(SEED + 1)  # the batch order: a new permutation every epoch
show_every = max(1, EPOCHS // 20)
for epoch in range(1, EPOCHS + 1):
    model.train()
    batches = torch.randperm(len(X_train), generator=shuffle).split(BATCH_SIZE){drop}
    loss_sum, rows_seen = 0.0, 0
    for batch in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(X_train[batch]), y_train[batch])
        loss.backward()
        optimizer.step()
        loss_sum += loss.item() * len(batch)
        rows_seen += len(batch)
    train_loss = loss_sum / rows_seen
    if not math.isfinite(train_loss):
        sys.exit(f"training diverged at epoch {{epoch}}: the loss became {{train_loss}}")
    model.eval()  # batch norm uses its running averages
    with torch.no_grad():
        outputs = model(X_test)
        test_loss = loss_fn(outputs, y_test).item()
        {measure}
    if epoch % show_every == 0 or epoch == EPOCHS:
        print(f"epoch {{epoch:5d}}  train_loss {{train_loss:.4f}}  test_loss {{test_loss:.4f}}  {metric} {{value:.4f}}")

print(f"{metric}={{value:.4f}}")"""
