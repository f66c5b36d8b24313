"""A single run and its measurements: the Trainer, probes, diagnosis, landscape, conditioning, describe,
export and the run worker processes."""
