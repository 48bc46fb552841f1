"""torch.nn.init: in-place initialisation of parameters."""
