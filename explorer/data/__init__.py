"""The data layer: datasets, skews, scalers fitted on train, the pipeline."""
