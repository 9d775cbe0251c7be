from .programme import Programme

__all__ = ["Programme"]
