"""torch.utils: checkpointing, data loading, hooks."""
