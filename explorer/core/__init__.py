"""The training core: the stacked network, its hand-written backward, the optimizer, K members."""
