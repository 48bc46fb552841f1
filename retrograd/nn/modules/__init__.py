"""torch.nn.modules: Module, containers and layers."""

__all__ = []
