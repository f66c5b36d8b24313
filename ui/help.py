"""Every control's name and help text, in a learner's words, once for every page.

A control that edits a Config key has the same label and the same help on Train, Data and Compare, and a
problem with a key names the control that holds it (`LABELS`). Display names of the values themselves are
`explorer.teaching.labels` (the engine's exports and the CLI use those too).
"""

from __future__ import annotations

LABELS = {  # Config key → the control that holds it
    "dataset": "Dataset",
    "n_samples": "Samples",
    "noise": "Noise",
    "n_features": "Features",
    "test_size": "Test share",
    "csv_path": "CSV file",
    "target": "Target column",
    "skew": "Skews",
    "scaler": "Scaler",
    "hidden": "Hidden widths",
    "activation": "Activation",
    "norm": "Normalisation",
    "norm_noise": "Noise strength",
    "init": "Init",
    "optimizer": "Optimizer",
    "lr": "Learning rate",
    "momentum": "Momentum",
    "weight_decay": "Weight decay",
    "batch_size": "Batch size",
    "epochs": "Epochs",
    "seed": "Seed",
}

CONTROL_LABELS = {  # a page's controls that are no Config key, by the name a lesson link gives them
    "preset": "Presets",
    "ab": "A | B",
    "keys": "Keys to vary and their values",
    "seeds": "Seeds",
}

HELP = {  # what it is, and what changing it does
    "preset": "Named setups that each show one effect. Picking one sets several settings at once (the rest stay "
    "as they are, and every page opens on the same setup); the page then says what question it answers and "
    "where to look.",
    "dataset": "The data the network learns from. The two-feature sets (moons, circles, XOR, spiral) also show "
    "the decision surface; synthetic sets are generated from the seed; bundled sets are small classic tables "
    "that ship with scikit-learn (nothing is downloaded); 'Your CSV file' trains on a file you upload.",
    "n_samples": "How many rows a synthetic dataset makes (the test share of them is held out). More rows give "
    "smoother curves but slower epochs. Bundled datasets and CSV files come with their own rows.",
    "noise": "How noisy a synthetic dataset is: as it grows the classes overlap more (or the targets scatter "
    "more), so even a perfect network scores lower. Synthetic data only.",
    "n_features": "How many input columns the classification, regression, skewed regression and blobs "
    "datasets make. More columns: more weights to learn in the first layer.",
    "test_size": "The share of rows held out to measure the network on data it never trained on. Holding out "
    "more makes the test score more reliable but leaves fewer rows to learn from.",
    "csv_upload": "A CSV file with a header row: numeric feature columns and one target column. It stays on "
    "this server and never goes into the page's link.",
    "target": "The column the network learns to predict; every other column is an input feature.",
    "skew": "Changes applied to chosen features before scaling, in order. Features: a number (0 is the "
    "first), 0,2, 0-3, all, even or odd. Shape kinds keep the mean and std (lognormal: a long right tail; "
    "heavy tails; bimodal; a few levels; uniform). Scale kinds keep the shape (multiply, add). Outliers "
    "make a share of the rows extreme. Example: feature 0 lognormal 1.5, then feature 1 × 1000.",
    "scaler": "How each feature is rescaled before training, fitted on the training rows only. Linear scalers "
    "(Standardize, Min-max, Max-abs, Robust) move and stretch the axis but keep the shape; quantile and power "
    "transforms also change the shape. Standardize gives every feature mean 0 and std 1; None leaves raw "
    "scales, so a feature ×1000 dominates the gradients. Robust uses the median and the IQR (inter-quartile "
    "range: the spread of the middle half of the values).",
    "hidden": "Units in each hidden layer, comma-separated: 32,32 is two layers of 32 units. More or wider "
    "layers can fit more complex shapes but train slower.",
    "activation": "The non-linearity after each hidden layer. Sigmoid and tanh flatten out at both ends, where "
    "their gradient vanishes; ReLU does not for positive inputs.",
    "norm": "Whether and where each hidden layer's values are normalised. Batch norm (BN) centres and scales "
    "each unit over the batch: before the activation, the activation sees normalised inputs; after it, it "
    "does not. LayerNorm normalises each row over its units. Noisy BN adds a random shift and scale per "
    "unit at every step (Santurkar et al. 2018).",
    "norm_noise": "Only for noisy BN: at each step every unit is scaled by a random factor in [1, 1+s], shifted "
    "by a random amount in [−s, s], and each value gets Gaussian noise of std s/4. 0 is plain BN before the "
    "activation.",
    "init": "How the weights start. He suits ReLU, Xavier suits tanh and sigmoid; Normal and Uniform let you pick "
    "the std: too small and the signal fades layer by layer, too large and it blows up. What matters is the "
    "std, not the shape: He uniform and He (normal) have the same std and give the same layer scales.",
    "init_std": "The std of the starting weights for Normal or Uniform init (uniform weights of std s lie within "
    "±1.73·s). With normalisation off, try 0.01 and 1 to see the signal fade or explode; BN before the "
    "activation rescues both.",
    "optimizer": "How gradients change the weights. SGD takes plain steps; SGD with momentum keeps a running "
    "direction; Adam scales each weight's step by its own gradient history, so it copes better with badly "
    "scaled features.",
    "lr": "The size of each step down the gradient. Too small and learning crawls; too large and the loss "
    "jumps or diverges. A change applies to the running training at once.",
    "momentum": "Only for SGD with momentum: how much of the last step carries into the next. 0.9 smooths the "
    "path and speeds it up along long, narrow valleys.",
    "weight_decay": "Pulls every weight a little towards 0 at each step (an L2 penalty). A stronger pull keeps "
    "the network simpler and can fight overfitting, but too much stops it learning.",
    "batch_size": "Rows per gradient step. Small batches give noisy steps, many per epoch; large ones smooth, "
    "fewer steps. Batch norm needs at least 2 rows.",
    "epochs": "How many passes over the training rows. A change applies to the running training: raise it to "
    "train on from where it is.",
    "seed": "Fixes every random choice (data, the skews' noise, split, starting weights, shuffling): the same "
    "seed gives the same run; another seed shows how much of a result is luck.",
}
